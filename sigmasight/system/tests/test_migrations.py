"""UICommand moved from the accounts app to the jobs app (sigmasight.system) by a state-only
migration pair: the table ``accounts_uicommand``, its rows and its content type are kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sigmasight.system.models import UICommand

ROOT = Path(__file__).resolve().parents[3]


def test_the_model_keeps_the_accounts_table() -> None:
    assert UICommand._meta.app_label == "jobs"
    assert UICommand._meta.db_table == "accounts_uicommand"


_PROBE = r"""
import os, sys
import django
django.setup()
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("accounts", "0002_uicommand"), ("jobs", "0001_initial")]

def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor

call_command("migrate", verbosity=0)  # a brand-new database, every migration applied
from sigmasight.system.models import UICommand
content_type = ContentType.objects.get_for_model(UICommand)
old_state = migrate(BEFORE_THE_MOVE).loader.project_state(BEFORE_THE_MOVE).apps
old_user = old_state.get_model("accounts", "User").objects.create(email="moved@example.com")
old_command = old_state.get_model("accounts", "UICommand").objects.create(
    owner_id=old_user.pk, action="highlight", target="portfolio.risk", params={"symbol": "AAPL"}
)
assert ContentType.objects.get(pk=content_type.pk).app_label == "accounts"
migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
command = UICommand.objects.get(pk=old_command.pk)
assert (command.owner.email, command.action, command.target, command.params) == (
    "moved@example.com", "highlight", "portfolio.risk", {"symbol": "AAPL"}
), command
assert command.delivered_at is None
assert ContentType.objects.get(pk=content_type.pk).app_label == "jobs"
print("MIGRATION-PROBE-OK")
"""


def test_moving_the_model_keeps_its_rows_and_content_type(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # On a throwaway database of its own (a fresh SQLite file), in a subprocess: migrating the shared
    # test database backwards and forwards would wipe the data other tests share.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}"}
    env["DJANGO_SETTINGS_MODULE"] = "sigmasight.settings.test"
    run = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert "MIGRATION-PROBE-OK" in run.stdout
