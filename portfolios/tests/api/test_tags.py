"""/management/tags: list, create, retrieve, update (PATCH), delete."""

from __future__ import annotations

import pytest

from portfolios.models import Position, Tag
from portfolios.tests.api.helpers import API, assert_error, assert_not_found, count_queries
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = f"{API}/tags"
FIELDS = {"id", "name", "tag_type", "description", "color", "created_at", "updated_at"}


def detail(tag: Tag) -> str:
    return f"{URL}/{tag.pk}"


class TestTagList:
    def test_lists_own_tags_by_name(self, auth_client, user, other_user) -> None:
        TagFactory(owner=user, name="b", strategy=True, color="#00FF00")
        TagFactory(owner=user, name="a")
        TagFactory(owner=other_user, name="theirs")

        body = auth_client.get(URL).json()

        assert set(body) == {"count", "next", "previous", "results"}
        assert [t["name"] for t in body["results"]] == ["a", "b"]
        assert set(body["results"][0]) == FIELDS
        assert (body["results"][1]["tag_type"], body["results"][1]["color"]) == ("strategy", "#00FF00")

    def test_filter_by_tag_type(self, auth_client, user) -> None:
        TagFactory(owner=user, name="a")
        TagFactory(owner=user, name="b", strategy=True)
        assert [t["name"] for t in auth_client.get(URL, {"tag_type": "strategy"}).json()["results"]] == ["b"]

    @pytest.mark.parametrize(
        ("params", "parameter"),
        [
            ({"tag_type": "other"}, "tag_type"),
            ({"name": "x"}, "name"),
            ({"limit": 0}, "limit"),
            ({"limit": 501}, "limit"),
        ],
    )
    def test_invalid_query_parameters(self, auth_client, params: dict, parameter: str) -> None:
        assert_error(auth_client.get(URL, params), 400, "VALIDATION_ERROR", [parameter])

    def test_query_count_does_not_grow(self, auth_client, user) -> None:
        TagFactory.create_batch(2, owner=user)
        few, _ = count_queries(auth_client, URL)
        TagFactory.create_batch(20, owner=user)
        many, _ = count_queries(auth_client, URL)
        assert few == many

    def test_unauthenticated(self, api_client) -> None:
        assert_error(api_client.get(URL), 401, "NOT_AUTHENTICATED")


class TestTagCreate:
    def test_creates(self, auth_client, user) -> None:
        payload = {"name": " Hedges ", "tag_type": "strategy", "description": "d", "color": "#1f77b4"}
        response = auth_client.post(URL, payload, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == FIELDS
        assert (body["name"], body["tag_type"], body["color"]) == ("Hedges", "strategy", "#1F77B4")
        assert Tag.objects.get(pk=body["id"]).owner == user

    def test_defaults(self, auth_client) -> None:
        body = auth_client.post(f"{URL}/", {"name": "plain"}, format="json").json()
        assert (body["tag_type"], body["color"], body["description"]) == ("regular", "", "")

    def test_duplicate_name_is_a_conflict(self, auth_client, user) -> None:
        TagFactory(owner=user, name="tech")
        error = assert_error(
            auth_client.post(URL, {"name": "tech"}, format="json"), 409, "CONFLICT", ["name"]
        )
        assert "already exists" in error["message"]
        assert Tag.objects.filter(owner=user).count() == 1

    def test_same_name_as_another_users_tag_is_fine(self, auth_client, other_user) -> None:
        TagFactory(owner=other_user, name="tech")
        assert auth_client.post(URL, {"name": "tech"}, format="json").status_code == 201

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": "x", "color": "red"}, "color"),
            ({"name": "x", "color": "#12345"}, "color"),
            ({"name": "x", "color": "#GG0000"}, "color"),
            ({"name": "x", "tag_type": "sector"}, "tag_type"),
            ({"name": "a,b"}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x" * 101}, "name"),
            ({}, "name"),
        ],
    )
    def test_validation(self, auth_client, payload: dict, field: str) -> None:
        assert_error(auth_client.post(URL, payload, format="json"), 400, "VALIDATION_ERROR", [field])

    def test_unauthenticated(self, api_client) -> None:
        assert_error(api_client.post(URL, {"name": "x"}, format="json"), 401, "NOT_AUTHENTICATED")


class TestTagRetrieve:
    def test_gets(self, auth_client, user) -> None:
        tag = TagFactory(owner=user)
        assert auth_client.get(detail(tag)).json()["id"] == str(tag.pk)

    def test_other_users_tag_is_not_found(self, auth_client, other_user) -> None:
        assert_not_found(auth_client.get(detail(TagFactory(owner=other_user, name="private"))), "private")


class TestTagUpdate:
    def test_patch(self, auth_client, user) -> None:
        tag = TagFactory(owner=user, name="old", description="keep")
        response = auth_client.patch(detail(tag) + "/", {"name": "new", "color": "#ABCDEF"}, format="json")
        assert response.status_code == 200, response.content
        assert (response.json()["name"], response.json()["description"], response.json()["color"]) == (
            "new",
            "keep",
            "#ABCDEF",
        )

    def test_patch_same_name_is_not_a_conflict(self, auth_client, user) -> None:
        tag = TagFactory(owner=user, name="same")
        assert (
            auth_client.patch(
                detail(tag), {"name": "same", "tag_type": "strategy"}, format="json"
            ).status_code
            == 200
        )

    def test_rename_to_a_taken_name_is_a_conflict(self, auth_client, user) -> None:
        TagFactory(owner=user, name="taken")
        tag = TagFactory(owner=user, name="mine")
        assert_error(
            auth_client.patch(detail(tag), {"name": "taken"}, format="json"), 409, "CONFLICT", ["name"]
        )
        tag.refresh_from_db()
        assert tag.name == "mine"

    def test_validation(self, auth_client, user) -> None:
        tag = TagFactory(owner=user)
        assert_error(
            auth_client.patch(detail(tag), {"color": "blue"}, format="json"),
            400,
            "VALIDATION_ERROR",
            ["color"],
        )

    def test_put_is_not_allowed(self, auth_client, user) -> None:
        tag = TagFactory(owner=user)
        assert_error(auth_client.put(detail(tag), {"name": "x"}, format="json"), 405, "METHOD_NOT_ALLOWED")

    def test_other_users_tag_is_not_found(self, auth_client, other_user) -> None:
        theirs = TagFactory(owner=other_user, name="private")
        assert_not_found(auth_client.patch(detail(theirs), {"name": "mine"}, format="json"), "private")
        theirs.refresh_from_db()
        assert theirs.name == "private"

    def test_unauthenticated(self, api_client, user) -> None:
        response = api_client.patch(detail(TagFactory(owner=user)), {"name": "x"}, format="json")
        assert_error(response, 401, "NOT_AUTHENTICATED")


class TestTagDelete:
    def test_deletes_and_positions_remain(self, auth_client, user) -> None:
        tag = TagFactory(owner=user)
        position = PositionFactory(portfolio=PortfolioFactory(owner=user), tags=[tag])
        assert auth_client.delete(detail(tag)).status_code == 204
        assert not Tag.objects.exists()
        assert Position.objects.filter(pk=position.pk).exists() and not position.tags.exists()

    def test_other_users_tag_is_not_found(self, auth_client, other_user) -> None:
        theirs = TagFactory(owner=other_user)
        assert_not_found(auth_client.delete(detail(theirs)))
        assert Tag.objects.filter(pk=theirs.pk).exists()

    def test_unauthenticated(self, api_client, user) -> None:
        assert_error(api_client.delete(detail(TagFactory(owner=user))), 401, "NOT_AUTHENTICATED")
