# syntax=docker/dockerfile:1
# One image for every process (web, worker, beat, migrate); compose picks the command.

# --- builder: a virtualenv with the pinned runtime dependencies --------------------------------
FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY pyproject.toml requirements.lock ./
# Runtime dependencies only (not the dev extra), at the versions of the lock file.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install --upgrade pip \
    && pip install -r requirements.txt -c requirements.lock

# --- runtime: slim, non-root ------------------------------------------------------------------
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=alumusic.settings \
    MODEL_DIR=/app/var/models
RUN groupadd --system app && useradd --system --gid app --home-dir /app --no-create-home app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . .
# Static files are collected into the image (whitenoise serves them) and the offline
# classifier is trained once here, so no container trains it at start. Neither touches the
# database.
# Production settings refuse a weak key, so the build makes a throwaway random one.
RUN export SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" DEBUG=false \
    && python manage.py collectstatic --noinput \
    && python manage.py train_classifier --skip-cv \
    && chown -R app:app /app/var
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1
# Workers per container: gunicorn reads WEB_CONCURRENCY (default 1); set it to ~2 x cores.
CMD ["gunicorn", "alumusic.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
