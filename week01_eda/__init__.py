"""Week 1: Python and data foundations, shown on an exploratory analysis of the Titanic."""
