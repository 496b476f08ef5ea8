"""analytics/engines is pure numerics: no Django, DRF, Celery or project-app import anywhere."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINES = Path(__file__).resolve().parents[2] / "engines"
PROJECT_ROOT = ENGINES.parents[1]

FORBIDDEN_PACKAGES = {
    "django",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "celery",
    "django_celery_beat",
    "psycopg",
    "psycopg2",
    "factory",
    "sigmasight",
    "accounts",
    "portfolios",
    "marketdata",
    "exports",
}
ALLOWED_PROJECT_PREFIX = "analytics.engines"


def _project_apps() -> set[str]:
    """Every top-level package of the project that is a Django app (has apps.py)."""
    return {p.parent.name for p in PROJECT_ROOT.glob("*/apps.py")}


def _is_forbidden(module: str, forbidden: set[str]) -> bool:
    top = module.split(".")[0]
    if top == "analytics":
        return not (module == ALLOWED_PROJECT_PREFIX or module.startswith(ALLOWED_PROJECT_PREFIX + "."))
    return top in forbidden


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.extend((node.lineno, m) for m in _resolve_from(node))
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if (
                name in {"import_module", "__import__"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((node.lineno, node.args[0].value))
    return found


def _resolve_from(node: ast.ImportFrom) -> list[str]:
    """Absolute module names of a ``from ... import`` inside analytics/engines/*.py."""
    if node.level == 0:
        return [node.module or ""]
    package = ALLOWED_PROJECT_PREFIX.split(".")
    base = package[: max(len(package) - (node.level - 1), 0)]
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, alias.name]) for alias in node.names]


def _engine_files() -> list[Path]:
    return sorted(ENGINES.rglob("*.py"))


def test_engine_files_exist() -> None:
    names = {p.name for p in _engine_files()}
    assert {"black_scholes.py", "greeks.py", "valuation.py", "factors.py", "correlations.py"} <= names


@pytest.mark.parametrize("path", _engine_files(), ids=lambda p: p.name)
def test_engine_module_imports_no_django(path: Path) -> None:
    forbidden = FORBIDDEN_PACKAGES | (_project_apps() - {"analytics"})
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [
        f"{path.name}:{line} imports {module}"
        for line, module in _imported_modules(tree)
        if _is_forbidden(module, forbidden)
    ]
    assert not offending, "\n".join(offending)


def test_checker_catches_violations() -> None:
    source = (
        "import django\nfrom django.db import models\nfrom portfolios.models import Position\n"
        "from analytics.models import RiskMetrics\nfrom .. import services\n"
        "import importlib\nimportlib.import_module('django.conf')\n"
        "from analytics.engines.black_scholes import bsm_price\nfrom . import greeks\n"
        "import numpy as np\n"
    )
    modules = [m for _, m in _imported_modules(ast.parse(source))]
    flagged = [m for m in modules if _is_forbidden(m, FORBIDDEN_PACKAGES)]
    assert flagged == [
        "django",
        "django.db",
        "portfolios.models",
        "analytics.models",
        "analytics.services",
        "django.conf",
    ]
