FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files for WhiteNoise, collected with the production storage (compressed, hashed names).
# The variables only satisfy the production settings' checks during the build; nothing connects.
RUN DJANGO_SETTINGS_MODULE=sigmasight.settings.production \
    DJANGO_SECRET_KEY=build-time-collectstatic-only-key-never-used-at-runtime \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=memory://localhost/ \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "sigmasight.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
