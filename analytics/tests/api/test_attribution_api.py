"""GET /analytics/positions/attribution.

The flow book (analytics/tests/performance_book.py) over (D0, D6]: lot A (10 AAA bought at 10 on
D0, sold at 13.20 on D4) earns 10 x (13.2 - 10) = 32 on a capital of its D0 value 100 (32 %);
lot B (100 AAA bought at the D2 close 12) earns 100 x (12.6 - 12) = 60 on its cost 1,200 (5 %).
Total 92: the purchase and the sale are flows, not P&L.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.performance_book import D, flow_book, lot, sessions, store_bars, store_market
from marketdata.models import Security
from portfolios.models import Position
from portfolios.tests.factories import PortfolioFactory, TagFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

URL = "/api/v1/analytics/positions/attribution"


def params(portfolio, **extra):  # type: ignore[no-untyped-def]
    return {
        "portfolio_id": str(portfolio.id),
        "start_date": D[0].isoformat(),
        "end_date": D[-1].isoformat(),
        **extra,
    }


def lots(portfolio) -> tuple[Position, Position]:  # type: ignore[no-untyped-def]
    a, b = Position.objects.filter(portfolio=portfolio).order_by("entry_date")
    return a, b


@pytest.mark.django_db
class TestAttribution:
    def test_by_position_worked_by_hand(self, user, auth_client):
        portfolio = flow_book(owner=user)
        a, b = lots(portfolio)

        response = auth_client.get(URL, params(portfolio))

        assert response.status_code == 200, response.content
        body = response.json()
        assert {
            "start_date",
            "end_date",
            "total_pnl",
            "groups",
            "data_source",
            "as_of_date",
            "calculated_at",
        } <= set(body)
        assert (body["start_date"], body["end_date"], body["group_by"]) == (
            D[0].isoformat(),
            D[-1].isoformat(),
            "position",
        )
        assert body["total_pnl"] == pytest.approx(92.0)
        assert body["data_source"] == "synthetic"
        assert body["as_of_date"] == D[-1].isoformat()
        assert_timestamp(body["calculated_at"])
        groups = {g["key"]: g for g in body["groups"]}
        assert set(groups) == {str(a.id), str(b.id)}
        assert set(groups[str(a.id)]) >= {"key", "pnl", "pnl_percent", "contribution_percent", "positions"}
        assert groups[str(a.id)]["pnl"] == pytest.approx(32.0)
        assert groups[str(a.id)]["pnl_percent"] == pytest.approx(32.0)
        assert groups[str(a.id)]["contribution_percent"] == pytest.approx(32 / 92 * 100)
        assert groups[str(b.id)]["pnl"] == pytest.approx(60.0)
        assert groups[str(b.id)]["pnl_percent"] == pytest.approx(5.0)
        assert groups[str(b.id)]["label"] == "AAA"
        assert [g["key"] for g in body["groups"]] == [str(b.id), str(a.id)]  # largest P&L first
        assert groups[str(b.id)]["positions"] == [
            {
                "id": str(b.id),
                "symbol": "AAA",
                "position_type": "LONG",
                "pnl": 60.0,
                "pnl_percent": pytest.approx(5.0),
                "contribution_percent": pytest.approx(60 / 92 * 100),
            }
        ]

    def test_a_range_after_the_sale(self, user, auth_client):
        portfolio = flow_book(owner=user)
        _, b = lots(portfolio)

        body = auth_client.get(URL, params(portfolio, start_date=D[4].isoformat())).json()

        # then: lot A (sold on D4) has no P&L after D4 and is left out; B: 12 -> 12.6 on 1,200
        assert [g["key"] for g in body["groups"]] == [str(b.id)]
        assert body["total_pnl"] == pytest.approx(60.0)
        assert body["groups"][0]["pnl_percent"] == pytest.approx(5.0)

    def test_selling_is_not_a_loss(self, user, auth_client):
        portfolio = flow_book(owner=user)
        a, _ = lots(portfolio)

        body = auth_client.get(
            URL, params(portfolio, start_date=D[3].isoformat(), end_date=D[4].isoformat())
        ).json()

        # then: lot A sold on D4 at the D3 close: no P&L on the day of the sale
        groups = {g["key"]: g for g in body["groups"]}
        assert groups[str(a.id)]["pnl"] == 0.0
        assert body["total_pnl"] == pytest.approx(-120.0)

    def test_by_type_tag_and_sector(self, user, auth_client):
        portfolio = flow_book(owner=user)
        a, b = lots(portfolio)
        core, swing = TagFactory(owner=user, name="core"), TagFactory(owner=user, name="swing")
        a.tags.set([core, swing])
        short = lot(portfolio, "BBB", -10, 20, D[0])
        store_bars("BBB", D, [20.0, 21.0, 22.0, 22.0, 21.0, 19.0, 18.0])  # short earns 20

        by_type = auth_client.get(URL, params(portfolio, group_by="type")).json()
        by_tag = auth_client.get(URL, params(portfolio, group_by="tag")).json()
        by_sector = auth_client.get(URL, params(portfolio, group_by="sector")).json()

        assert {g["key"]: g["pnl"] for g in by_type["groups"]} == {"LONG": 92.0, "SHORT": 20.0}
        assert {g["key"]: g["pnl"] for g in by_tag["groups"]} == {
            "core": 32.0,
            "swing": 32.0,
            "(untagged)": 80.0,
        }
        assert by_tag["total_pnl"] == pytest.approx(112.0)  # tags overlap; the total counts each lot once
        assert {g["key"]: g["pnl"] for g in by_sector["groups"]} == {"Technology": 92.0, "(unknown)": 20.0}
        untagged = next(g for g in by_tag["groups"] if g["key"] == "(untagged)")
        assert {p["id"] for p in untagged["positions"]} == {str(b.id), str(short.id)}

    def test_options_by_their_contract_bars(self, user, auth_client):
        store_market()
        store_bars("AAA", D, [10.0] * len(D))
        occ = "AAA   240621C00010000"
        store_bars(occ, D, [1.0, 1.5, 2.0, 3.0, 2.0, 2.0, 2.5])
        Security.objects.create(symbol="AAA", sector="Technology")
        portfolio = PortfolioFactory(owner=user)
        lot(
            portfolio,
            occ,
            2,
            1.0,
            D[0],
            position_type="LC",
            multiplier=100,
            underlying_symbol="AAA",
            option_type="call",
            strike_price=Decimal("10"),
            expiration_date=dt.date(2024, 6, 21),
        )

        body = auth_client.get(URL, params(portfolio, group_by="sector")).json()

        assert body["groups"][0]["key"] == "Technology"
        assert body["total_pnl"] == pytest.approx(2 * 100 * (2.5 - 1.0))

    def test_empty_range_and_defaults(self, user, auth_client):
        portfolio = flow_book(owner=user)

        body = auth_client.get(URL, {"portfolio_id": str(portfolio.id)}).json()

        # then: default range = the 30 days to today; the flow book's prices are older: no P&L
        assert body["total_pnl"] == 0.0 and body["groups"] == []
        end = dt.date.fromisoformat(body["end_date"])
        assert end - dt.date.fromisoformat(body["start_date"]) == dt.timedelta(days=30)


@pytest.mark.django_db
class TestAttributionErrors:
    def test_401_without_token(self, api_client, user):
        assert_error(api_client.get(URL, {"portfolio_id": str(PortfolioFactory(owner=user).id)}), 401)

    def test_404_for_another_users_portfolio(self, auth_client, other_user):
        portfolio = flow_book(owner=other_user)

        response = auth_client.get(URL, params(portfolio))

        assert_error(response, 404, "NOT_FOUND")
        assert "AAA" not in response.content.decode()

    def test_404_for_an_unknown_portfolio(self, auth_client):
        assert_error(auth_client.get(URL, {"portfolio_id": str(uuid.uuid4())}), 404, "NOT_FOUND")

    @pytest.mark.parametrize(
        ("change", "name"),
        [
            ({"portfolio_id": None}, "portfolio_id"),
            ({"portfolio_id": "not-a-uuid"}, "portfolio_id"),
            ({"start_date": "2024-01-10", "end_date": "2024-01-02"}, "start_date"),
            ({"end_date": "2999-01-01"}, "end_date"),
            ({"start_date": "2999-01-01", "end_date": None}, "start_date"),
            ({"start_date": "yesterday"}, "start_date"),
            ({"group_by": "industry"}, "group_by"),
            ({"limit": "5"}, "limit"),
        ],
    )
    def test_400_names_the_parameter(self, user, auth_client, change, name):
        portfolio = PortfolioFactory(owner=user)
        query = {k: v for k, v in {**params(portfolio), **change}.items() if v is not None}

        error = assert_error(auth_client.get(URL, query), 400, "VALIDATION_ERROR")

        assert set(error["details"]) == {name}


@pytest.mark.django_db
@pytest.mark.parametrize("group_by", ["position", "tag", "sector"])
def test_query_count_does_not_grow_with_positions(user, auth_client, group_by):
    days = sessions(30, start="2024-01-01")

    def count(positions: int) -> int:
        portfolio = PortfolioFactory(owner=user)
        tag = TagFactory(owner=user)
        for i in range(positions):
            symbol = f"Q{positions}_{i}"
            store_bars(symbol, days, [10.0 + i + j * 0.1 for j in range(len(days))])
            Security.objects.create(symbol=symbol, sector="Energy" if i % 2 else "Utilities")
            lot(portfolio, symbol, 5 + i, 10.0, days[i % 5]).tags.set([tag])
        query = {
            "portfolio_id": str(portfolio.id),
            "start_date": days[2].isoformat(),
            "end_date": days[-1].isoformat(),
            "group_by": group_by,
        }
        with CaptureQueriesContext(connection) as ctx:
            response = auth_client.get(URL, query)
        assert response.status_code == 200
        assert len(response.json()["groups"]) >= 1
        return len(ctx.captured_queries)

    assert count(10) == count(60)
