"""UICommand moved from the accounts app to the jobs app (sigmasight.system) by a state-only
migration pair: the table ``accounts_uicommand``, its rows and its content type are kept."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sigmasight.system.models import UICommand

BEFORE_THE_MOVE = [("accounts", "0002_uicommand"), ("jobs", "0001_initial")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_the_model_keeps_the_accounts_table() -> None:
    assert UICommand._meta.app_label == "jobs"
    assert UICommand._meta.db_table == "accounts_uicommand"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moving_the_model_keeps_its_rows_and_content_type() -> None:
    content_type = ContentType.objects.get_for_model(UICommand)
    old_state = _migrate(BEFORE_THE_MOVE).loader.project_state(BEFORE_THE_MOVE).apps
    old_user = old_state.get_model("accounts", "User").objects.create(email="moved@example.com")
    old_command = old_state.get_model("accounts", "UICommand").objects.create(
        owner_id=old_user.pk, action="highlight", target="portfolio.risk", params={"symbol": "AAPL"}
    )
    assert ContentType.objects.get(pk=content_type.pk).app_label == "accounts"

    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())

    command = UICommand.objects.get(pk=old_command.pk)
    assert (command.owner.email, command.action, command.target, command.params) == (
        "moved@example.com",
        "highlight",
        "portfolio.risk",
        {"symbol": "AAPL"},
    )
    assert command.delivered_at is None
    assert ContentType.objects.get(pk=content_type.pk).app_label == "jobs"
