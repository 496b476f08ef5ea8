"""PUT /management/positions/{id}/tags: replace a position's tags by name."""

from __future__ import annotations

import pytest

from portfolios.models import Tag, TagType
from portfolios.tests.api.helpers import API, assert_error, assert_not_found
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory

pytestmark = pytest.mark.django_db


def url(position) -> str:  # type: ignore[no-untyped-def]
    return f"{API}/positions/{position.pk}/tags"


class TestPositionTags:
    def test_replaces_the_set_and_creates_missing_regular_tags(self, auth_client, user) -> None:
        strategy = TagFactory(owner=user, name="hedge", strategy=True)
        old = TagFactory(owner=user, name="old")
        position = PositionFactory(portfolio=PortfolioFactory(owner=user), tags=[old])

        response = auth_client.put(url(position), {"tags": ["hedge", " new ", "hedge"]}, format="json")

        assert response.status_code == 200, response.content
        assert response.json()["tags"] == ["hedge", "new"]
        assert response.json()["id"] == str(position.pk)
        assert set(position.tags.all()) == {strategy, Tag.objects.get(owner=user, name="new")}
        assert Tag.objects.get(owner=user, name="new").tag_type == TagType.REGULAR
        assert Tag.objects.filter(pk=old.pk).exists()  # untagged, not deleted

    @pytest.mark.parametrize("suffix", ["", "/"])
    def test_empty_list_clears(self, auth_client, user, suffix: str) -> None:
        position = PositionFactory(portfolio=PortfolioFactory(owner=user), tags=[TagFactory(owner=user)])
        response = auth_client.put(url(position) + suffix, {"tags": []}, format="json")
        assert response.json()["tags"] == []

    def test_never_reuses_another_users_tag(self, auth_client, user, other_user) -> None:
        theirs = TagFactory(owner=other_user, name="shared")
        position = PositionFactory(portfolio=PortfolioFactory(owner=user))
        auth_client.put(url(position), {"tags": ["shared"]}, format="json")
        (tag,) = position.tags.all()
        assert tag.owner == user and tag.pk != theirs.pk

    @pytest.mark.parametrize(
        "payload", [{}, {"tags": "tech"}, {"tags": ["a,b"]}, {"tags": [""]}, {"tags": ["x" * 101]}]
    )
    def test_validation(self, auth_client, user, payload: dict) -> None:
        position = PositionFactory(portfolio=PortfolioFactory(owner=user))
        assert_error(
            auth_client.put(url(position), payload, format="json"), 400, "VALIDATION_ERROR", ["tags"]
        )

    def test_other_users_position_is_not_found(self, auth_client, other_user) -> None:
        theirs = PositionFactory(portfolio=PortfolioFactory(owner=other_user), symbol="HIDDEN")
        assert_not_found(auth_client.put(url(theirs), {"tags": ["x"]}, format="json"), "HIDDEN")
        assert not theirs.tags.exists()

    def test_only_put(self, auth_client, user) -> None:
        position = PositionFactory(portfolio=PortfolioFactory(owner=user))
        assert auth_client.post(url(position), {"tags": []}, format="json").status_code == 405

    def test_unauthenticated(self, api_client, user) -> None:
        position = PositionFactory(portfolio=PortfolioFactory(owner=user))
        assert_error(api_client.put(url(position), {"tags": []}, format="json"), 401, "NOT_AUTHENTICATED")
