# Production image: the application under gunicorn; the same image runs the Celery worker and
# beat with another command (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=crm.settings.production \
    MEDIA_ROOT=/data/media \
    MAIL_SINK_DIR=/data/mail \
    WEB_CONCURRENCY=3

WORKDIR /app

# Dependencies first, read from pyproject.toml, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# collectstatic reads the settings but touches neither the database nor the secrets: these
# values exist only for this build step.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && useradd --system --create-home --uid 10001 crm \
    && mkdir -p /data/media /data/mail \
    && chown -R crm:crm /data

USER crm
VOLUME ["/data"]
EXPOSE 8000

# WEB_CONCURRENCY sets gunicorn's worker count; the proxy in front terminates TLS and sends
# X-Forwarded-Proto, which the production settings trust.
CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
