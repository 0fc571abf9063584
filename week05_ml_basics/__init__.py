"""Week 5: ML basics: regression and classification with scikit-learn Pipelines under cross-validation."""
