"""The week's practice projects: each module is one lesson's `run(ctx)` and `BARS`."""
