"""/management/positions: list (filters, group_by), create, retrieve, update, delete."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from portfolios.models import Position, PositionType, Tag
from portfolios.tests.api.helpers import API, assert_error, assert_not_found, count_queries
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory
from sigmasight.tests.envelope import assert_timestamp

pytestmark = pytest.mark.django_db

URL = f"{API}/positions"
FIELDS = {
    "id",
    "portfolio_id",
    "symbol",
    "position_type",
    "quantity",
    "multiplier",
    "entry_price",
    "entry_date",
    "exit_price",
    "exit_date",
    "underlying_symbol",
    "option_type",
    "strike_price",
    "expiration_date",
    "implied_volatility",
    "tags",
    "created_at",
    "updated_at",
}


def detail(position: Position) -> str:
    return f"{URL}/{position.pk}"


def ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] for item in body["results"]}


@pytest.fixture
def portfolio(user):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=user)


def stock_payload(portfolio, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "portfolio_id": str(portfolio.pk),
        "symbol": "msft",
        "quantity": 10,
        "entry_price": 400.5,
        "entry_date": "2025-01-02",
        **overrides,
    }


def option_payload(portfolio, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return stock_payload(
        portfolio,
        **{
            "symbol": None,
            "quantity": 2,
            "entry_price": 5.5,
            "underlying_symbol": "AAPL",
            "option_type": "call",
            "strike_price": 150,
            "expiration_date": "2026-12-18",
            **overrides,
        },
    )


class TestPositionList:
    def test_shape_numbers_and_scope(self, auth_client, portfolio, user, other_user) -> None:
        tag = TagFactory(owner=user, name="core")
        stock = PositionFactory(portfolio=portfolio, tags=[tag])
        PositionFactory(portfolio=PortfolioFactory(owner=other_user))

        body = auth_client.get(URL).json()

        assert body["count"] == 1
        (item,) = body["results"]
        assert set(item) == FIELDS
        assert item["id"] == str(stock.pk) and item["portfolio_id"] == str(portfolio.pk)
        assert item["quantity"] == 100.0 and isinstance(item["quantity"], float)
        assert item["entry_price"] == 150.0 and item["multiplier"] == 1
        assert item["tags"] == ["core"]
        assert item["underlying_symbol"] is None and item["option_type"] is None
        assert item["strike_price"] is None and item["exit_date"] is None
        assert_timestamp(item["created_at"])

    def test_option_fields(self, auth_client, portfolio) -> None:
        PositionFactory(portfolio=portfolio, short_put=True, implied_volatility=0.31)
        (item,) = auth_client.get(URL).json()["results"]
        assert item["position_type"] == "SP" and item["multiplier"] == 100
        assert item["strike_price"] == 150.0 and item["option_type"] == "put"
        assert item["underlying_symbol"] == "AAPL" and item["expiration_date"] == "2025-06-20"
        assert item["implied_volatility"] == 0.31

    def test_filter_by_portfolio(self, auth_client, portfolio, user) -> None:
        inside = PositionFactory(portfolio=portfolio)
        PositionFactory(portfolio=PortfolioFactory(owner=user))
        assert ids(auth_client.get(URL, {"portfolio_id": str(portfolio.pk)}).json()) == {str(inside.pk)}

    def test_other_users_portfolio_filter_is_not_found(self, auth_client, other_user) -> None:
        theirs = PortfolioFactory(owner=other_user, name="Hidden")
        PositionFactory(portfolio=theirs, symbol="ZZZZ")
        assert_not_found(auth_client.get(URL, {"portfolio_id": str(theirs.pk)}), "ZZZZ", "Hidden")

    def test_filter_by_position_type(self, auth_client, portfolio) -> None:
        long = PositionFactory(portfolio=portfolio)
        short = PositionFactory(portfolio=portfolio, short=True)
        call = PositionFactory(portfolio=portfolio, long_call=True)
        PositionFactory(portfolio=portfolio, short_put=True)
        assert ids(auth_client.get(URL, {"position_type": "SHORT"}).json()) == {str(short.pk)}
        assert ids(auth_client.get(URL, {"position_type": "LONG,LC"}).json()) == {str(long.pk), str(call.pk)}

    def test_filter_by_symbol_matches_stock_and_its_options(self, auth_client, portfolio) -> None:
        stock = PositionFactory(portfolio=portfolio, symbol="AAPL")
        call = PositionFactory(portfolio=portfolio, long_call=True)
        PositionFactory(portfolio=portfolio, symbol="MSFT")
        assert ids(auth_client.get(URL, {"symbol": "aapl"}).json()) == {str(stock.pk), str(call.pk)}
        assert ids(auth_client.get(URL, {"symbol": "AAPL250620C00200000"}).json()) == {str(call.pk)}

    @pytest.mark.parametrize(
        ("params", "parameter"),
        [
            ({"position_type": "LONGISH"}, "position_type"),
            ({"position_type": "LONG,XX"}, "position_type"),
            ({"tag_mode": "some"}, "tag_mode"),
            ({"group_by": "sector"}, "group_by"),
            ({"portfolio_id": "123"}, "portfolio_id"),
            ({"limit": 0}, "limit"),
            ({"limit": 501}, "limit"),
            ({"portfolio": "x"}, "portfolio"),
            ({"tag": "tech"}, "tag"),
        ],
    )
    def test_invalid_query_parameters(self, auth_client, params: dict, parameter: str) -> None:
        assert_error(auth_client.get(URL, params), 400, "VALIDATION_ERROR", [parameter])

    def test_unauthenticated(self, api_client) -> None:
        assert_error(api_client.get(URL), 401, "NOT_AUTHENTICATED")

    def test_query_count_does_not_grow_with_positions(self, auth_client, user, portfolio) -> None:
        tags = [TagFactory(owner=user), TagFactory(owner=user, strategy=True)]
        PositionFactory.create_batch(10, portfolio=portfolio, tags=tags)
        few, response = count_queries(auth_client, f"{URL}?portfolio_id={portfolio.pk}&tags={tags[0].name}")
        assert response.json()["count"] == 10
        PositionFactory.create_batch(50, portfolio=portfolio, tags=tags)
        many, response = count_queries(auth_client, f"{URL}?portfolio_id={portfolio.pk}&tags={tags[0].name}")
        assert response.json()["count"] == 60 and len(response.json()["results"]) == 50
        assert few == many
        # auth user + portfolio ownership check + count + page + tags prefetch
        assert many <= 5

    @pytest.mark.parametrize("group_by", ["type", "tag", "strategy"])
    def test_grouped_query_count_does_not_grow(self, auth_client, user, portfolio, group_by: str) -> None:
        tags = [TagFactory(owner=user), TagFactory(owner=user, strategy=True)]
        PositionFactory.create_batch(10, portfolio=portfolio, tags=tags)
        few, _ = count_queries(auth_client, f"{URL}?group_by={group_by}")
        PositionFactory.create_batch(50, portfolio=portfolio, tags=tags)
        many, _ = count_queries(auth_client, f"{URL}?group_by={group_by}")
        assert few == many <= 3


class TestPositionListTagFilter:
    @pytest.fixture
    def tagged(self, user, portfolio) -> dict[str, Position]:
        tech, growth, value = (TagFactory(owner=user, name=n) for n in ("tech", "growth", "value"))
        return {
            "tech": PositionFactory(portfolio=portfolio, symbol="MSFT", tags=[tech]),
            "tech+growth": PositionFactory(portfolio=portfolio, symbol="NVDA", tags=[tech, growth]),
            "growth": PositionFactory(portfolio=portfolio, symbol="TSLA", tags=[growth]),
            "value": PositionFactory(portfolio=portfolio, symbol="KO", tags=[value]),
            "none": PositionFactory(portfolio=portfolio, symbol="SPY"),
        }

    def pks(self, tagged: dict[str, Position], *keys: str) -> set[str]:
        return {str(tagged[k].pk) for k in keys}

    def test_any_is_the_default(self, auth_client, tagged) -> None:
        body = auth_client.get(URL, {"tags": "tech,growth"}).json()
        assert body["count"] == 3  # no duplicate for the position carrying both
        assert ids(body) == self.pks(tagged, "tech", "tech+growth", "growth")

    def test_any(self, auth_client, tagged) -> None:
        assert ids(auth_client.get(URL, {"tags": "value, tech", "tag_mode": "any"}).json()) == self.pks(
            tagged, "tech", "tech+growth", "value"
        )

    def test_all(self, auth_client, tagged) -> None:
        body = auth_client.get(URL, {"tags": "tech,growth", "tag_mode": "all"}).json()
        assert ids(body) == self.pks(tagged, "tech+growth")

    def test_all_with_a_single_tag(self, auth_client, tagged) -> None:
        assert ids(auth_client.get(URL, {"tags": "growth", "tag_mode": "all"}).json()) == self.pks(
            tagged, "tech+growth", "growth"
        )

    def test_unknown_tag(self, auth_client, tagged) -> None:
        assert auth_client.get(URL, {"tags": "nope"}).json()["count"] == 0
        assert auth_client.get(URL, {"tags": "tech,nope", "tag_mode": "all"}).json()["count"] == 0

    def test_other_users_tag_of_the_same_name_does_not_match(self, auth_client, other_user, tagged) -> None:
        theirs = TagFactory(owner=other_user, name="value")
        PositionFactory(portfolio=PortfolioFactory(owner=other_user), tags=[theirs])
        assert ids(auth_client.get(URL, {"tags": "value"}).json()) == self.pks(tagged, "value")

    def test_combined_with_position_type(self, auth_client, user, portfolio, tagged) -> None:
        tech = Tag.objects.get(owner=user, name="tech")
        short = PositionFactory(portfolio=portfolio, short=True, tags=[tech])
        assert ids(auth_client.get(URL, {"tags": "tech", "position_type": "SHORT"}).json()) == {str(short.pk)}


class TestPositionListGroupBy:
    def test_group_by_type(self, auth_client, portfolio) -> None:
        sp = PositionFactory(portfolio=portfolio, short_put=True)
        long_a = PositionFactory(portfolio=portfolio, symbol="AAPL")
        long_b = PositionFactory(portfolio=portfolio, symbol="MSFT")
        lc = PositionFactory(portfolio=portfolio, long_call=True)

        body = auth_client.get(URL, {"group_by": "type"}).json()

        assert set(body) == {"count", "next", "previous", "group_by", "results"}
        assert body["group_by"] == "type"  # tells a page of groups from a page of positions
        assert body["count"] == 3  # groups
        assert [g["key"] for g in body["results"]] == ["LONG", "LC", "SP"]
        long_group = body["results"][0]
        assert set(long_group) == {"key", "tag_id", "position_count", "positions"}
        assert long_group["tag_id"] is None and long_group["position_count"] == 2
        assert [p["id"] for p in long_group["positions"]] == [str(long_a.pk), str(long_b.pk)]
        assert set(long_group["positions"][0]) == FIELDS
        assert [p["id"] for p in body["results"][1]["positions"]] == [str(lc.pk)]
        assert [p["id"] for p in body["results"][2]["positions"]] == [str(sp.pk)]

    def test_group_by_tag(self, auth_client, user, portfolio) -> None:
        tech, growth = (
            TagFactory(owner=user, name="tech"),
            TagFactory(owner=user, name="growth", strategy=True),
        )
        both = PositionFactory(portfolio=portfolio, symbol="NVDA", tags=[tech, growth])
        only_tech = PositionFactory(portfolio=portfolio, symbol="MSFT", tags=[tech])
        untagged = PositionFactory(portfolio=portfolio, symbol="SPY")

        groups = auth_client.get(URL, {"group_by": "tag"}).json()["results"]

        assert [(g["key"], g["tag_id"], g["position_count"]) for g in groups] == [
            ("growth", str(growth.pk), 1),
            ("tech", str(tech.pk), 2),
            (None, None, 1),
        ]
        assert {p["id"] for p in groups[1]["positions"]} == {str(both.pk), str(only_tech.pk)}
        assert groups[2]["positions"][0]["id"] == str(untagged.pk)

    def test_group_by_strategy_uses_strategy_tags_only(self, auth_client, user, portfolio) -> None:
        spread = TagFactory(owner=user, name="AAPL bull spread", strategy=True)
        regular = TagFactory(owner=user, name="tech")
        leg1 = PositionFactory(portfolio=portfolio, long_call=True, tags=[spread, regular])
        leg2 = PositionFactory(portfolio=portfolio, short_call=True, tags=[spread])
        loose = PositionFactory(portfolio=portfolio, tags=[regular])

        groups = auth_client.get(URL, {"group_by": "strategy"}).json()["results"]

        assert [(g["key"], g["position_count"]) for g in groups] == [("AAPL bull spread", 2), (None, 1)]
        assert {p["id"] for p in groups[0]["positions"]} == {str(leg1.pk), str(leg2.pk)}
        assert groups[1]["positions"][0]["id"] == str(loose.pk)

    def test_filters_apply_before_grouping_and_limit_pages_groups(self, auth_client, portfolio) -> None:
        PositionFactory(portfolio=portfolio)
        PositionFactory(portfolio=portfolio, short=True)
        PositionFactory(portfolio=portfolio, long_call=True)
        body = auth_client.get(URL, {"group_by": "type", "position_type": "SHORT,LC", "limit": 1}).json()
        assert body["count"] == 2 and body["next"]
        assert [g["key"] for g in body["results"]] == ["SHORT"]

    def test_empty(self, auth_client) -> None:
        assert auth_client.get(URL, {"group_by": "tag"}).json() == {
            "count": 0,
            "next": None,
            "previous": None,
            "group_by": "tag",
            "results": [],
        }


class TestPositionCreate:
    @pytest.mark.parametrize(
        ("overrides", "position_type", "multiplier"),
        [
            ({"symbol": "MSFT", "quantity": 10}, "LONG", 1),
            ({"symbol": "MSFT", "quantity": -10}, "SHORT", 1),
            ({"symbol": "AAPL  261218C00150000", "quantity": 2}, "LC", 100),
            ({"symbol": "AAPL261218C00150000", "quantity": -2}, "SC", 100),
            ({"symbol": "AAPL  261218P00150000", "quantity": 3}, "LP", 100),
            ({"symbol": "aapl261218p00150000", "quantity": -3}, "SP", 100),
        ],
    )
    def test_derives_type_and_multiplier(
        self, auth_client, portfolio, overrides: dict, position_type: str, multiplier: int
    ) -> None:
        payload = stock_payload(portfolio, **overrides, position_type="LONG", multiplier=7)  # both ignored
        response = auth_client.post(URL, payload, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["position_type"], body["multiplier"]) == (position_type, multiplier)
        stored = Position.objects.get(pk=body["id"])
        assert (stored.position_type, stored.multiplier) == (position_type, multiplier)

    def test_stock(self, auth_client, portfolio) -> None:
        body = auth_client.post(URL, stock_payload(portfolio, quantity="10.5"), format="json").json()
        assert set(body) == FIELDS
        assert body["symbol"] == "MSFT" and body["quantity"] == 10.5 and body["entry_price"] == 400.5
        assert body["portfolio_id"] == str(portfolio.pk) and body["tags"] == []

    def test_option_from_occ_symbol(self, auth_client, portfolio) -> None:
        payload = stock_payload(portfolio, symbol="SPY240315P00412500", quantity=-1, entry_price=3.2)
        body = auth_client.post(URL, {**payload, "entry_date": "2024-01-05"}, format="json").json()
        assert body["symbol"] == "SPY   240315P00412500"
        assert (body["underlying_symbol"], body["option_type"], body["strike_price"]) == ("SPY", "put", 412.5)
        assert body["expiration_date"] == "2024-03-15" and body["position_type"] == "SP"

    def test_option_from_fields_builds_the_symbol(self, auth_client, portfolio) -> None:
        response = auth_client.post(URL, option_payload(portfolio, implied_volatility=0.25), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["symbol"] == "AAPL  261218C00150000"
        assert (body["position_type"], body["multiplier"], body["implied_volatility"]) == ("LC", 100, 0.25)

    def test_with_tags_creates_missing_ones(self, auth_client, user, portfolio) -> None:
        TagFactory(owner=user, name="core")
        body = auth_client.post(
            URL, stock_payload(portfolio, tags=["core", "new", "core"]), format="json"
        ).json()
        assert body["tags"] == ["core", "new"]
        assert Tag.objects.get(owner=user, name="new").tag_type == "regular"

    def test_closed_position(self, auth_client, portfolio) -> None:
        payload = stock_payload(portfolio, exit_price=420, exit_date="2025-02-03")
        body = auth_client.post(URL, payload, format="json").json()
        assert (body["exit_price"], body["exit_date"]) == (420.0, "2025-02-03")

    @pytest.mark.parametrize(
        ("overrides", "fields"),
        [
            ({"quantity": 0}, ["quantity"]),
            ({"quantity": "ten"}, ["quantity"]),
            ({"entry_price": 0}, ["entry_price"]),
            ({"entry_price": -1}, ["entry_price"]),
            ({"entry_date": "2999-01-01"}, ["entry_date"]),
            ({"entry_date": "02/01/2025"}, ["entry_date"]),
            # a date that would poison the snapshots engine (issue "Hardening", finding 4)
            ({"entry_date": "0001-01-01"}, ["entry_date"]),
            ({"entry_date": "1900-01-01"}, ["entry_date"]),
            ({"entry_date": "1969-12-31"}, ["entry_date"]),
            ({"exit_price": 420}, ["exit_date"]),
            ({"exit_date": "2025-02-03"}, ["exit_price"]),
            ({"exit_price": 0, "exit_date": "2025-02-03"}, ["exit_price"]),
            ({"exit_price": 420, "exit_date": "2024-12-31"}, ["exit_date"]),
            ({"symbol": "MSFT$"}, ["symbol"]),
            ({"symbol": "ABCDEFGHIJK"}, ["symbol"]),
            ({"symbol": ""}, ["symbol"]),
            ({"symbol": "AAPL  261332C00150000"}, ["symbol"]),
            ({"implied_volatility": 0.3}, ["implied_volatility"]),
            ({"quantity": 0, "entry_price": 0}, ["quantity", "entry_price"]),
        ],
    )
    def test_stock_validation(self, auth_client, portfolio, overrides: dict, fields: list[str]) -> None:
        response = auth_client.post(URL, stock_payload(portfolio, **overrides), format="json")
        error = assert_error(response, 400, "VALIDATION_ERROR", fields)
        assert set(error["details"]) == set(fields)
        assert not Position.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "fields"),
        [
            ({"strike_price": 0}, ["strike_price"]),
            ({"strike_price": -5}, ["strike_price"]),
            ({"strike_price": "150.0005"}, ["strike_price"]),
            ({"implied_volatility": 0}, ["implied_volatility"]),
            ({"implied_volatility": 5.5}, ["implied_volatility"]),
            ({"option_type": "straddle"}, ["option_type"]),
            ({"expiration_date": None}, ["expiration_date"]),
            ({"underlying_symbol": None, "strike_price": None}, ["underlying_symbol", "strike_price"]),
            ({"expiration_date": "2024-12-20"}, ["expiration_date"]),
            ({"symbol": "AAPL  261218C00150000", "option_type": "put"}, ["option_type"]),
            ({"symbol": "AAPL  261218C00150000", "strike_price": 155}, ["strike_price"]),
            ({"symbol": "AAPL  261218C00150000", "underlying_symbol": "MSFT"}, ["underlying_symbol"]),
            ({"symbol": "AAPL  261218C00150000", "expiration_date": "2026-12-19"}, ["expiration_date"]),
            ({"symbol": "MSFT"}, ["symbol"]),
        ],
    )
    def test_option_validation(self, auth_client, portfolio, overrides: dict, fields: list[str]) -> None:
        response = auth_client.post(URL, option_payload(portfolio, **overrides), format="json")
        error = assert_error(response, 400, "VALIDATION_ERROR", fields)
        assert set(error["details"]) == set(fields)

    def test_missing_portfolio_id(self, auth_client, portfolio) -> None:
        payload = stock_payload(portfolio)
        del payload["portfolio_id"]
        assert_error(auth_client.post(URL, payload, format="json"), 400, "VALIDATION_ERROR", ["portfolio_id"])

    def test_other_users_portfolio_is_not_found(self, auth_client, other_user) -> None:
        theirs = PortfolioFactory(owner=other_user)
        assert_not_found(auth_client.post(URL, stock_payload(theirs), format="json"))
        assert not Position.objects.exists()

    def test_entry_date_today_is_accepted(self, auth_client, portfolio) -> None:
        payload = stock_payload(portfolio, entry_date=timezone.localdate().isoformat())
        assert auth_client.post(URL, payload, format="json").status_code == 201

    def test_unauthenticated(self, api_client, portfolio) -> None:
        assert_error(api_client.post(URL, stock_payload(portfolio), format="json"), 401, "NOT_AUTHENTICATED")


class TestPositionRetrieve:
    def test_gets(self, auth_client, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio, long_call=True)
        for url in (detail(position), detail(position) + "/"):
            body = auth_client.get(url).json()
            assert body["id"] == str(position.pk) and body["position_type"] == "LC"

    def test_other_users_position_is_not_found(self, auth_client, other_user) -> None:
        theirs = PositionFactory(portfolio=PortfolioFactory(owner=other_user), symbol="SECRET")
        assert_not_found(auth_client.get(detail(theirs)), "SECRET")

    def test_unauthenticated(self, api_client, portfolio) -> None:
        assert_error(api_client.get(detail(PositionFactory(portfolio=portfolio))), 401, "NOT_AUTHENTICATED")


class TestPositionUpdate:
    def test_put_replaces_every_field(self, auth_client, portfolio) -> None:
        position = PositionFactory(
            portfolio=portfolio, exit_price=Decimal("170"), exit_date=dt.date(2024, 2, 1)
        )
        response = auth_client.put(
            detail(position), stock_payload(portfolio, symbol="nvda", quantity=-4), format="json"
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["symbol"], body["position_type"], body["exit_price"], body["exit_date"]) == (
            "NVDA",
            "SHORT",
            None,
            None,
        )

    def test_put_requires_the_required_fields(self, auth_client, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio)
        response = auth_client.put(detail(position), {"symbol": "X"}, format="json")
        assert_error(
            response, 400, "VALIDATION_ERROR", ["portfolio_id", "quantity", "entry_price", "entry_date"]
        )

    def test_patch_sign_flip_rederives_the_type(self, auth_client, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio)
        body = auth_client.patch(detail(position), {"quantity": -100}, format="json").json()
        assert body["position_type"] == "SHORT" and body["symbol"] == "AAPL"
        position.refresh_from_db()
        assert position.position_type == PositionType.SHORT

    def test_patch_contract_field_rebuilds_the_occ_symbol(self, auth_client, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio, long_call=True)
        body = auth_client.patch(
            detail(position), {"strike_price": 210, "option_type": "put"}, format="json"
        ).json()
        assert body["symbol"] == "AAPL  250620P00210000"
        assert (body["position_type"], body["strike_price"]) == ("LP", 210.0)

    def test_patch_occ_symbol_rereads_the_contract(self, auth_client, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio, long_call=True)
        body = auth_client.patch(detail(position), {"symbol": "MSFT250620P00300000"}, format="json").json()
        assert (body["underlying_symbol"], body["option_type"], body["strike_price"]) == (
            "MSFT",
            "put",
            300.0,
        )

    def test_patch_option_to_stock(self, auth_client, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio, long_call=True)
        body = auth_client.patch(detail(position), {"symbol": "AAPL", "quantity": 200}, format="json").json()
        assert (body["position_type"], body["multiplier"], body["option_type"], body["strike_price"]) == (
            "LONG",
            1,
            None,
            None,
        )

    def test_patch_tags_replace(self, auth_client, user, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio, tags=[TagFactory(owner=user, name="old")])
        assert auth_client.patch(detail(position), {"tags": ["fresh"]}, format="json").json()["tags"] == [
            "fresh"
        ]

    def test_patch_moves_to_another_own_portfolio(self, auth_client, user, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio)
        target = PortfolioFactory(owner=user)
        body = auth_client.patch(detail(position), {"portfolio_id": str(target.pk)}, format="json").json()
        assert body["portfolio_id"] == str(target.pk)

    def test_patch_to_another_users_portfolio_is_not_found(self, auth_client, other_user, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio)
        theirs = PortfolioFactory(owner=other_user)
        assert_not_found(auth_client.patch(detail(position), {"portfolio_id": str(theirs.pk)}, format="json"))
        position.refresh_from_db()
        assert position.portfolio_id == portfolio.pk

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"quantity": 0}, "quantity"),
            ({"entry_date": "2999-01-01"}, "entry_date"),
            ({"exit_price": 5}, "exit_date"),
        ],
    )
    def test_patch_validation(self, auth_client, portfolio, payload: dict, field: str) -> None:
        position = PositionFactory(portfolio=portfolio)
        assert_error(
            auth_client.patch(detail(position), payload, format="json"), 400, "VALIDATION_ERROR", [field]
        )
        position.refresh_from_db()
        assert position.quantity == Decimal("100")

    def test_other_users_position_is_not_found(self, auth_client, other_user) -> None:
        theirs = PositionFactory(portfolio=PortfolioFactory(owner=other_user))
        assert_not_found(auth_client.patch(detail(theirs), {"quantity": 1}, format="json"))
        assert_not_found(auth_client.put(detail(theirs), stock_payload(theirs.portfolio), format="json"))

    def test_unauthenticated(self, api_client, portfolio) -> None:
        response = api_client.patch(
            detail(PositionFactory(portfolio=portfolio)), {"quantity": 1}, format="json"
        )
        assert_error(response, 401, "NOT_AUTHENTICATED")


class TestPositionDelete:
    def test_deletes(self, auth_client, portfolio) -> None:
        position = PositionFactory(portfolio=portfolio)
        assert auth_client.delete(detail(position) + "/").status_code == 204
        assert not Position.objects.exists()

    def test_other_users_position_is_not_found(self, auth_client, other_user) -> None:
        theirs = PositionFactory(portfolio=PortfolioFactory(owner=other_user))
        assert_not_found(auth_client.delete(detail(theirs)))
        assert Position.objects.filter(pk=theirs.pk).exists()

    def test_unauthenticated(self, api_client, portfolio) -> None:
        assert_error(
            api_client.delete(detail(PositionFactory(portfolio=portfolio))), 401, "NOT_AUTHENTICATED"
        )
