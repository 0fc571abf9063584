"""Week 18: databases: SQL and documents, a prediction service, a time-series store."""
