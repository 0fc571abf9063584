"""The face-mask app: week 13's detector and classifier behind an API and a CLI."""
