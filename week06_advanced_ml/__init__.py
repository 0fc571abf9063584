"""Week 6: advanced ML: ensembles, boosting, SVMs, tuning, cost-aware thresholds and clustering."""
