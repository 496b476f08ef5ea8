"""The production stack as shipped: settings refuse the .env.example secret and take cookie security
from the environment; docker-compose.yml builds one image and waits for a one-off migrate; static
files (the admin's CSS) and the offline API docs are served; the README links only to real files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client

ROOT = Path(settings.BASE_DIR)
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'csrf': s.CSRF_COOKIE_SECURE, 'session': s.SESSION_COOKIE_SECURE, "
    "'storage': s.STORAGES['staticfiles']['BACKEND']}))"
)


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines())
    return {k.strip(): v.strip() for k, v in (p for p in pairs if len(p) == 2) if not k.startswith("#")}


def production(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "sigmasight.settings.production",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "DJANGO_SECRET_KEY": "a-real-secret-of-more-than-thirty-two-bytes-0123456789",
        "DJANGO_ALLOWED_HOSTS": "risk.example.com",  # production refuses to start without it
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


class TestProductionSettings:
    def test_the_env_example_placeholder_secret_is_refused(self) -> None:
        placeholder = env_example()["DJANGO_SECRET_KEY"]
        assert len(placeholder.encode()) >= 32  # it would pass a length check alone
        result = production(DJANGO_SECRET_KEY=placeholder)
        assert result.returncode != 0
        assert "placeholder" in result.stderr

    def test_cookies_are_secure_by_default_and_configurable(self) -> None:
        default = json.loads(production().stdout)
        assert default == {
            "csrf": True,
            "session": True,
            "storage": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        }
        plain_http = json.loads(production(DJANGO_SECURE_COOKIES="0").stdout)
        assert plain_http["csrf"] is False and plain_http["session"] is False

    def test_env_example_runs_plain_http_compose(self) -> None:
        assert env_example()["DJANGO_SECURE_COOKIES"] == "0"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


class TestCompose:
    def test_one_image_built_once(self, services: dict) -> None:
        app = [name for name, s in services.items() if name not in ("postgres", "redis")]
        assert {services[name]["image"] for name in app} == {"sigmasight:latest"}
        assert [name for name in app if "build" in services[name]] == ["migrate"]

    def test_everything_waits_for_migrate(self, services: dict) -> None:
        for name in ("web", "worker", "beat", "seed"):
            depends = services[name]["depends_on"]
            assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
            assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert services["migrate"]["command"] == "python manage.py migrate --noinput"

    def test_healthchecks_and_seed_step(self, services: dict) -> None:
        for name in ("postgres", "redis", "web", "worker", "beat"):
            assert "test" in services[name]["healthcheck"], name
        assert services["seed"]["profiles"] == ["seed"]
        assert "seed_demo" in services["seed"]["command"]


@pytest.mark.django_db
class TestStaticAndDocs:
    def test_the_admin_css_is_served(self) -> None:
        client = Client()
        for path in (
            "/static/admin/css/base.css",
            "/static/unfold/css/styles.css",
            "/static/console/console.css",
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response["Content-Type"].startswith("text/css"), path

    @pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
    def test_api_docs_reference_no_external_host(self, page: str) -> None:
        client = Client()
        html = client.get(page).content.decode()
        assert not re.findall(r"""(?:href|src)=["']?(?:https?:)?//""", html)
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
        assert any(a.endswith(".js") for a in assets)
        for asset in assets:
            assert client.get(asset).status_code == 200, asset


def test_readme_and_docs_link_only_to_files_in_the_repository() -> None:
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text()
        for target in re.findall(r"\]\(([^)#\s]+)", text):
            if re.match(r"[a-z]+://", target):
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"
        assert "../shared" not in text, f"{doc.name} points outside the repository"
