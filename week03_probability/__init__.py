"""Week 3: probability and statistics from the formulas, checked against SciPy on real data."""
