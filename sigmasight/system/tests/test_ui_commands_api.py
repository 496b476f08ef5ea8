"""/system/ui: agents record UI commands, the frontend polls and receives each one once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigmasight.system.models import UICommand
from sigmasight.system.tests.factories import UICommandFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

COMMANDS = "/api/v1/system/ui/commands"


@pytest.mark.django_db
class TestRecordCommand:
    @pytest.mark.parametrize("action", ["navigate", "highlight", "filter"])
    def test_records_the_command(self, auth_client, user, action):
        body = {"target": "portfolio.positions", "params": {"symbol": "AAPL", "tags": ["core"]}}

        response = auth_client.post(f"/api/v1/system/ui/{action}", body, format="json")

        assert response.status_code == 201
        data = response.json()
        assert set(data) == {"id", "action", "target", "params", "created_at", "delivered_at"}
        assert data["action"] == action
        assert data["target"] == "portfolio.positions"
        assert data["params"] == {"symbol": "AAPL", "tags": ["core"]}
        assert data["delivered_at"] is None
        assert_timestamp(data["created_at"])
        assert UICommand.objects.get(pk=data["id"]).owner == user

    def test_params_default_to_an_empty_object(self, auth_client):
        response = auth_client.post("/api/v1/system/ui/navigate/", {"target": "home"}, format="json")

        assert response.status_code == 201
        assert response.json()["params"] == {}

    def test_target_is_required_and_params_must_be_an_object(self, auth_client):
        response = auth_client.post("/api/v1/system/ui/highlight", {"params": [1, 2]}, format="json")

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert set(error["details"]) == {"target", "params"}

    @pytest.mark.parametrize(
        "params",
        [
            '{"z": {"\\u0000": true}}',  # a NUL in a key (PostgreSQL jsonb refuses it: was a 500)
            '{"a": ["ok", "x\\u0000y"]}',  # in a string
            '{"a": 1e400}',  # a number JSON parses to infinity (no JSON spelling to store)
        ],
    )
    def test_unstorable_params_are_400_and_nothing_is_recorded(self, auth_client, params):
        body = f'{{"target": "x", "params": {params}}}'
        response = auth_client.generic(
            "POST", "/api/v1/system/ui/highlight", body, content_type="application/json"
        )

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert set(error["details"]) == {"params"}
        assert not UICommand.objects.exists()

    def test_unknown_action_is_404(self, auth_client):
        assert_error(
            auth_client.post("/api/v1/system/ui/explode", {"target": "x"}, format="json"), 404, "NOT_FOUND"
        )

    def test_requires_authentication(self, api_client):
        assert_error(api_client.post("/api/v1/system/ui/navigate", {"target": "x"}, format="json"), 401)


@pytest.mark.django_db
class TestPollCommands:
    def test_returns_pending_commands_once_oldest_first(self, auth_client, user, other_user):
        first = UICommandFactory(owner=user)
        second = UICommandFactory(owner=user)
        UICommandFactory(owner=other_user)

        response = auth_client.get(COMMANDS)

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 2
        assert body["next"] is None
        assert [c["id"] for c in body["results"]] == [str(first.id), str(second.id)]
        for command in body["results"]:
            assert_timestamp(command["delivered_at"])
        # delivered: the next poll is empty
        assert auth_client.get(COMMANDS).json()["results"] == []

    def test_since_keeps_only_later_commands(self, auth_client, user):
        old = UICommandFactory(owner=user)
        UICommand.objects.filter(pk=old.pk).update(created_at=dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC))
        new = UICommandFactory(owner=user)

        response = auth_client.get(COMMANDS, {"since": "2026-01-01T12:00:00.000Z"})

        assert [c["id"] for c in response.json()["results"]] == [str(new.id)]
        old.refresh_from_db()
        assert old.delivered_at is None

    def test_limit_delivers_a_page_and_next_polls_again(self, auth_client, user):
        commands = UICommandFactory.create_batch(3, owner=user)

        page = auth_client.get(COMMANDS, {"limit": 2}).json()

        assert page["count"] == 3
        assert [c["id"] for c in page["results"]] == [str(c.id) for c in commands[:2]]
        assert page["next"] is not None
        rest = auth_client.get(page["next"]).json()
        assert [c["id"] for c in rest["results"]] == [str(commands[2].id)]
        assert rest["next"] is None

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"since": "yesterday"}, "since"),
            ({"since": "2026-13-01T00:00:00Z"}, "since"),
            ({"limit": "0"}, "limit"),
            ({"sinse": "2026-01-01T00:00:00Z"}, "sinse"),
        ],
    )
    def test_bad_query_parameters_are_400(self, auth_client, user, params, field):
        command = UICommandFactory(owner=user)

        error = assert_error(auth_client.get(COMMANDS, params), 400, "VALIDATION_ERROR")

        assert field in error["details"]
        command.refresh_from_db()
        assert command.delivered_at is None  # nothing delivered by a rejected request

    def test_requires_authentication(self, api_client):
        assert_error(api_client.get(COMMANDS), 401, "NOT_AUTHENTICATED")

    def test_query_count_does_not_grow_with_commands(self, auth_client, user):
        UICommandFactory.create_batch(2, owner=user)
        with CaptureQueriesContext(connection) as few:
            auth_client.get(COMMANDS)
        UICommandFactory.create_batch(30, owner=user)
        with CaptureQueriesContext(connection) as many:
            auth_client.get(COMMANDS)

        assert len(many) == len(few)
