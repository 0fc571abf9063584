"""Week 7: ML pipelines: ColumnTransformer, selection and tuning inside, saved with a checked sidecar."""
