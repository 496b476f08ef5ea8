"""The production settings (sigmasight/settings/production.py), loaded in a fresh interpreter with a
production-shaped environment: HTTPS on by default, required hosts, CORS from the environment only,
``check --deploy`` clean."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

_READ = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'hsts': s.SECURE_HSTS_SECONDS, 'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
    "'redirect': s.SECURE_SSL_REDIRECT, 'proxy_ssl': s.SECURE_PROXY_SSL_HEADER,"
    "'hosts': s.ALLOWED_HOSTS, 'cors': s.CORS_ALLOWED_ORIGINS, 'num_proxies': s.NUM_PROXIES,"
    "'demo_consent': s.DEMO_USERS_NEED_CONSENT}))"
)


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CORS_", "SECURE_", "NUM_PROXIES", "CELERY_", "SEED_DEMO"))
    }
    production = {
        "DJANGO_SETTINGS_MODULE": "sigmasight.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://sigmasight@127.0.0.1:5432/sigmasight",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
    }
    full = {**base, **production, **env}
    full = {k: v for k, v in full.items() if v != ""}
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=full, capture_output=True, text=True, timeout=120
    )


def _settings(**env: str) -> dict:
    done = _run(["-c", _READ], **env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
class TestProductionSettings:
    def test_check_deploy_is_clean(self):
        done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])

        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "security.W004" not in done.stdout + done.stderr
        assert "security.W008" not in done.stdout + done.stderr

    def test_https_hardening_is_on_by_default(self):
        values = _settings()

        assert values["hsts"] == 31536000
        assert values["subdomains"] is True
        assert values["redirect"] is True
        assert values["demo_consent"] is True

    def test_https_hardening_follows_the_environment(self):
        values = _settings(SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")

        assert values["hsts"] == 0
        assert values["redirect"] is False

    def test_forwarded_proto_is_trusted_only_behind_proxies(self):
        assert _settings()["proxy_ssl"] is None
        behind = _settings(NUM_PROXIES="1")
        assert behind["proxy_ssl"] == ["HTTP_X_FORWARDED_PROTO", "https"]
        assert behind["num_proxies"] == 1

    def test_allowed_hosts_are_required(self):
        done = _run(["-c", _READ], DJANGO_ALLOWED_HOSTS="")

        assert done.returncode != 0
        assert "ImproperlyConfigured" in done.stderr
        assert "DJANGO_ALLOWED_HOSTS" in done.stderr

    def test_cors_origins_come_from_the_environment_only(self):
        assert _settings()["cors"] == []
        assert _settings(CORS_ALLOWED_ORIGINS="https://app.example.com")["cors"] == [
            "https://app.example.com"
        ]
        assert _settings()["hosts"] == ["api.example.com"]
