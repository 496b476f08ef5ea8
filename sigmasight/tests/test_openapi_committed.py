"""The committed OpenAPI schema (docs/openapi.yml) is the one the code generates.

CI runs this with the suite, so a change to an endpoint, a serializer or an ``@extend_schema`` shows
up as a diff of docs/openapi.yml in review. Regenerate with ``make schema`` (the only way: it runs
``manage.py spectacular --validate --fail-on-warn --file docs/openapi.yml``, as this test does).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yml"
MAX_DIFF_LINES = 80


def generated_schema(tmp_path: Path) -> str:
    """The YAML ``make schema`` writes."""
    target = tmp_path / "openapi.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return target.read_text()


def test_docs_openapi_yml_is_up_to_date(tmp_path):
    generated = generated_schema(tmp_path)
    committed = COMMITTED.read_text() if COMMITTED.exists() else ""

    if generated != committed:
        diff = list(
            difflib.unified_diff(
                committed.splitlines(),
                generated.splitlines(),
                "docs/openapi.yml (committed)",
                "docs/openapi.yml (generated)",
                lineterm="",
            )
        )
        shown = "\n".join(diff[:MAX_DIFF_LINES])
        more = f"\n... {len(diff) - MAX_DIFF_LINES} more diff lines" if len(diff) > MAX_DIFF_LINES else ""
        raise AssertionError(
            "docs/openapi.yml is out of date with the code: run `make schema` and commit the file.\n"
            f"{shown}{more}"
        )
