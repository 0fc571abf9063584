"""The library every week imports: data registry, run context, reports, plots and evaluation."""
