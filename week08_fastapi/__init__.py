"""Week 8: serving the week 7 Titanic pipeline with FastAPI, SQLAlchemy storage and API keys."""
