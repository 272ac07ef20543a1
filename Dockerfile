# YouTube2Sheets in one image.
#   docker build -t youtube2sheets .
#   docker run -p 8501:8501 -v y2s-data:/data youtube2sheets                      # the dashboard
#   docker run -p 8000:8000 -e Y2S_API_TOKEN=... -v y2s-data:/data youtube2sheets api   # the REST API
# Credentials come from the environment (YOUTUBE_API_KEY, GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON, ...): see README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    Y2S_DATA_DIR=/data

WORKDIR /app

# The dependencies in their own layer: rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install -r requirements.txt

RUN groupadd --system --gid 10001 y2s \
 && useradd --system --uid 10001 --gid y2s --create-home --home-dir /home/y2s y2s \
 && mkdir -p /data \
 && chown y2s:y2s /data

COPY .streamlit/config.toml .streamlit/config.toml
COPY app.py ./
COPY pages/ pages/
COPY y2s_core/ y2s_core/
COPY scripts/docker-entrypoint.sh scripts/docker-entrypoint.sh

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8501 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/app/scripts/docker-entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["app"]
