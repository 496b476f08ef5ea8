"""/analytics/risk/{id}/option-grid (and the other risk-desk endpoints): shapes, identities with the
batch's own numbers, 400 / 401 / 404 / 422."""

from __future__ import annotations

import pytest

from analytics.tests.risk_book import AS_OF, Leg, make_book, market_with_betas, run_risk
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

pytestmark = pytest.mark.django_db

API = "/api/v1/analytics/risk"
LEGS = [
    Leg("AAA", 100),
    Leg("BBB", -200),
    Leg("CCC", 30),
    Leg("AAA", 2, strike=95, call=False),
    Leg("AAA", -1, strike=110, call=True),
    Leg("TLT", 50),
]
ENDPOINTS = ["option-grid"]


def url(portfolio, endpoint: str) -> str:  # type: ignore[no-untyped-def]
    return f"{API}/{portfolio.id}/{endpoint}"


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(market_with_betas)


@pytest.fixture
def book(user, market):  # type: ignore[no-untyped-def]
    return make_book(market, LEGS, owner=user, cash=20_000)


@pytest.fixture
def plain(user):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=user)


@pytest.fixture
def batched(book):  # type: ignore[no-untyped-def]
    assert run_risk(book).failures == {}
    return book


def assert_meta(body: dict) -> None:
    assert body["as_of_date"] == AS_OF.isoformat()
    assert_timestamp(body["calculated_at"])
    assert body["data_source"] == "synthetic"
    assert set(body["conventions"]) == {"units", "window", "method", "annualization", "reference"}


class TestOptionGrid:
    def test_default_grid_shape_and_centre(self, auth_client, batched) -> None:
        response = auth_client.get(url(batched, "option-grid"))
        assert response.status_code == 200, response.content
        body = response.json()
        assert_meta(body)
        assert body["spot_moves"] == pytest.approx([-0.3 + 0.05 * i for i in range(13)])
        assert body["vol_moves"] == pytest.approx([-0.5 + 0.25 * i for i in range(7)])
        assert len(body["pnl"]) == 7 and all(len(row) == 13 for row in body["pnl"])
        assert body["pnl"][2][6] == 0.0  # spot 0, vol 0
        assert {u["underlying_symbol"] for u in body["by_underlying"]} == {"AAA", "BBB", "CCC", "TLT"}
        for i in range(7):
            for j in range(13):
                total = sum(u["pnl"][i][j] for u in body["by_underlying"])
                assert total == pytest.approx(body["pnl"][i][j], abs=0.05)
        # stocks only: BBB moves linearly and ignores the vol axis
        bbb = next(u for u in body["by_underlying"] if u["underlying_symbol"] == "BBB")
        assert bbb["pnl"][0] == bbb["pnl"][6]
        assert bbb["delta_dollars"] == pytest.approx(-200 * 50.0, rel=1e-6)

    def test_spot_slope_matches_the_stored_delta_adjusted_exposure(self, auth_client, batched) -> None:
        body = auth_client.get(
            url(batched, "option-grid"), {"spot_moves": "-0.01,0.01", "vol_moves": "0"}
        ).json()
        slope = (body["pnl"][0][1] - body["pnl"][0][0]) / 0.02
        net_delta = sum(u["delta_dollars"] for u in body["by_underlying"])
        # a nearly hedged book (net ~ -340 USD of ~36,000 gross): the central difference's
        # third-order term (~0.03 % of an option's delta dollars at h = 1 %) and the cents of the
        # cells (+-0.5 USD of slope) are the error
        gross = sum(abs(u["delta_dollars"]) for u in body["by_underlying"])
        assert slope == pytest.approx(net_delta, abs=1.0 + 1e-4 * gross)

    def test_a_hedged_underlying_loses_less_than_its_stock(self, auth_client, batched) -> None:
        body = auth_client.get(url(batched, "option-grid"), {"spot_moves": "-0.1,0", "vol_moves": "0"}).json()
        aaa = next(u for u in body["by_underlying"] if u["underlying_symbol"] == "AAA")
        assert aaa["pnl"][0][1] == 0.0
        # 100 shares at 100 lose 1,000 on -10 %; the 2 long puts and the short call gain
        assert aaa["pnl"][0][0] > -1000.0

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"spot_moves": "a,b"}, "spot_moves"),
            ({"spot_moves": "-1.5"}, "spot_moves"),
            ({"vol_moves": "-1"}, "vol_moves"),
            ({"vol_moves": ",".join(str(i / 100) for i in range(26))}, "vol_moves"),
            ({"spot_moves": "0.1,0.1"}, "spot_moves"),
            ({"nope": "1"}, "nope"),
            ({"as_of_date": "x"}, "as_of_date"),
        ],
    )
    def test_400_names_the_parameter(self, auth_client, plain, params: dict, name: str) -> None:
        error = assert_error(auth_client.get(url(plain, "option-grid"), params), 400, "VALIDATION_ERROR")
        assert name in error["details"]

    def test_moves_are_sorted(self, auth_client, batched) -> None:
        body = auth_client.get(url(batched, "option-grid"), {"spot_moves": "0.1,-0.1,0"}).json()
        assert body["spot_moves"] == [-0.1, 0.0, 0.1]


class TestCommon:
    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_401_without_a_token(self, api_client, plain, endpoint: str) -> None:
        assert_error(api_client.get(url(plain, endpoint)), 401)

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_404_for_someone_elses_portfolio(self, client_for, other_user, batched, endpoint: str) -> None:
        error = assert_error(client_for(other_user).get(url(batched, endpoint)), 404, "NOT_FOUND")
        assert str(batched.id) not in str(error["details"])

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_422_before_the_batch(self, auth_client, book, endpoint: str) -> None:
        error = assert_error(auth_client.get(url(book, endpoint)), 422, "INSUFFICIENT_DATA")
        assert error["details"]["portfolio_id"] == str(book.id)
