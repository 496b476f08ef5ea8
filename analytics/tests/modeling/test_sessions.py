"""Modeling sessions end to end on the synthetic market with a real batch run: before = the batch's
published figures, zero change for an empty session, a closing trade = the batch of the book
without that position, hedges, NAV at the last close, atomic apply, incremental VaR signs and
the API's errors."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from analytics.modeling import services
from analytics.modeling.models import ModelingSession, ModelingTrade
from analytics.tests.modeling.book import AS_OF, modeling_world
from portfolios.models import Portfolio, Position

API = "/api/v1/modeling/sessions"
SPY_PUT = "SPY   270115P00600000"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(module_db):  # type: ignore[no-untyped-def]
    return module_db(modeling_world)


@pytest.fixture
def client(db, world, client_for):  # type: ignore[no-untyped-def]
    return client_for(world.owner)


def _session(client, portfolio, trades=None):  # type: ignore[no-untyped-def]
    response = client.post(API, {"portfolio_id": str(portfolio.id), "name": "what-if"}, format="json")
    assert response.status_code == 201, response.content
    sid = response.json()["id"]
    if trades:
        added = client.post(f"{API}/{sid}/trades", {"trades": trades}, format="json")
        assert added.status_code == 201, added.content
    return sid


def _calculate(client, sid):  # type: ignore[no-untyped-def]
    response = client.post(f"{API}/{sid}/calculate")
    assert response.status_code == 200, response.content
    return response.json()


def _published(client, portfolio) -> dict:  # type: ignore[no-untyped-def]
    """The batch's published figures of the portfolio, in the impacts' terms."""
    pid = portfolio.id
    overview = client.get(f"/api/v1/analytics/portfolio/{pid}/overview").json()
    greeks = client.get(f"/api/v1/analytics/risk/{pid}/greeks").json()["current"]
    factors = client.get(f"/api/v1/analytics/factors/{pid}/exposures").json()["factors"]
    scenarios = client.get(f"/api/v1/analytics/risk/{pid}/scenarios").json()["scenarios"]
    var = {}
    for method in ("historical", "parametric"):
        for confidence in (0.95, 0.99):
            for horizon in (1, 10):
                body = client.get(
                    f"/api/v1/analytics/risk/{pid}/var",
                    {"method": method, "confidence": confidence, "horizon_days": horizon},
                ).json()
                var[(method, confidence, horizon)] = (body["var"], body["expected_shortfall"])
    e = overview["exposures"]
    return {
        "exposures": {
            "long": e["long"]["value"],
            "short": e["short"]["value"],
            "gross": e["gross"]["value"],
            "net": e["net"]["value"],
            "delta_adjusted_net": overview["delta_adjusted"]["net"]["value"],
            "delta_adjusted_gross": overview["delta_adjusted"]["gross"]["value"],
            "total_value": overview["total_value"],
        },
        "greeks": {k: greeks[k] for k in ("delta", "delta_dollars", "gamma_dollars", "theta", "vega", "rho")},
        "factors": {f["name"]: f["exposure_dollar"] for f in factors},
        "scenarios": {s["id"]: s["impact"]["dollar_impact"] for s in scenarios},
        "var": var,
    }


def _side(impacts: dict, side: str) -> dict:
    """One side (before/after) of the impacts, in the terms of :func:`_published`."""
    return {
        "exposures": {k: v[side] for k, v in impacts["exposures"].items()},
        "greeks": {k: v[side] for k, v in impacts["greeks"].items()},
        "factors": {f["name"]: f[side] for f in impacts["factors"]},
        "scenarios": {s["id"]: s[side] for s in impacts["scenarios"]},
        "var": {
            (v["method"], v["confidence"], v["horizon_days"]): (v[side], v[f"es_{side}"])
            for v in impacts["var"]
        },
    }


def _close_to(actual: dict, expected: dict, *, money: float = 0.011) -> None:
    for section in ("exposures", "greeks", "factors", "scenarios"):
        assert set(actual[section]) == set(expected[section]), section
        for key, value in expected[section].items():
            assert actual[section][key] == pytest.approx(value, abs=money), (section, key)
    for key, (var, es) in expected["var"].items():
        assert actual["var"][key][0] == pytest.approx(var, abs=money), key
        assert actual["var"][key][1] == pytest.approx(es, abs=money), key


def _change(impacts: dict, section: str, name: str) -> float:
    rows = impacts[section]
    if isinstance(rows, dict):
        return rows[name]["change"]
    return next(r for r in rows if r.get("id", r.get("name")) == name)["change"]


class TestBeforeAndEmpty:
    def test_an_empty_session_changes_nothing_and_before_is_the_batch(self, client, world) -> None:  # type: ignore[no-untyped-def]
        impacts = _calculate(client, _session(client, world.main))
        assert impacts["as_of_date"] == AS_OF.isoformat()
        _close_to(_side(impacts, "before"), _published(client, world.main), money=0.0)
        for section in ("exposures", "greeks"):
            assert all(v["change"] == 0.0 for v in impacts[section].values()), section
        for section in ("factors", "scenarios", "var"):
            assert all(r["change"] == 0.0 for r in impacts[section]), section
        assert all(r["es_change"] == 0.0 for r in impacts["var"])
        assert impacts["top_contributors"]["before"] == impacts["top_contributors"]["after"]
        assert impacts["marginal_var"]["by_trade"] == []
        assert client.get(f"/api/v1/modeling/sessions/{impacts['session_id']}/impacts").json() == impacts


class TestTrades:
    def test_closing_a_position_gives_the_batch_of_the_book_without_it(self, client, world) -> None:  # type: ignore[no-untyped-def]
        impacts = _calculate(client, _session(client, world.main, [{"symbol": "AAPL", "quantity": -100}]))
        assert impacts["position_count"] == {"before": 4, "after": 3}
        assert all(r["symbol"] != "AAPL" for r in impacts["top_contributors"]["after"])
        _close_to(_side(impacts, "after"), _published(client, world.copy))

    def test_buying_spy_puts_reduces_delta_and_the_market_down_10_loss(self, client, world) -> None:  # type: ignore[no-untyped-def]
        impacts = _calculate(client, _session(client, world.main, [{"occ_symbol": SPY_PUT, "quantity": 3}]))
        assert _change(impacts, "greeks", "delta") < 0
        assert _change(impacts, "greeks", "delta_dollars") < 0
        down = next(s for s in impacts["scenarios"] if s["id"] == "market_down_10")
        assert down["before"] < 0 and down["after"] > down["before"]

    def test_trades_at_the_last_close_leave_the_nav_unchanged(self, client, world) -> None:  # type: ignore[no-untyped-def]
        sid = _session(
            client,
            world.main,
            [
                {"symbol": "AAPL", "quantity": -40},
                {"symbol": "IWM", "quantity": 25, "tag": "basket"},
                {"symbol": "VTV", "quantity": -30, "tag": "basket"},
                {"occ_symbol": SPY_PUT, "quantity": 2},
            ],
        )
        impacts = _calculate(client, sid)
        assert impacts["exposures"]["total_value"]["change"] == 0.0
        assert impacts["exposures"]["gross"]["change"] != 0.0
        trades = client.get(f"{API}/{sid}").json()["trades"]
        assert {t["price_source"] for t in trades} <= {"close", "model"}

    def test_incremental_var_is_negative_for_a_hedge_and_positive_for_a_concentration(
        self, client, world
    ) -> None:  # type: ignore[no-untyped-def]
        sid = _session(
            client, world.main, [{"symbol": "SPY", "quantity": -40}, {"symbol": "AAPL", "quantity": 300}]
        )
        impacts = _calculate(client, sid)
        by_symbol = {r["symbol"]: r["value"] for r in impacts["marginal_var"]["by_trade"]}
        assert by_symbol["SPY"] < 0 < by_symbol["AAPL"]
        assert impacts["marginal_var"] | {"by_trade": []} == {
            "method": "parametric",
            "confidence": 0.95,
            "horizon_days": 1,
            "by_trade": [],
        }


class TestApply:
    def test_apply_opens_and_closes_positions_and_moves_cash(self, client, world) -> None:  # type: ignore[no-untyped-def]
        sid = _session(
            client,
            world.main,
            [
                {"symbol": "AAPL", "quantity": -40, "price": 250},
                {"symbol": "IWM", "quantity": 10, "price": 200},
            ],
        )
        response = client.post(f"{API}/{sid}/save", {"apply": True}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "applied"
        held = {p.symbol: p for p in Position.objects.filter(portfolio=world.main, exit_date__isnull=True)}
        assert held["AAPL"].quantity == Decimal("60") and held["IWM"].quantity == Decimal("10")
        assert held["IWM"].entry_date == AS_OF and held["IWM"].entry_price == Decimal("200")
        closed = Position.objects.get(portfolio=world.main, symbol="AAPL", exit_date=AS_OF)
        assert closed.quantity == Decimal("40") and closed.exit_price == Decimal("250")
        world.main.refresh_from_db()
        assert world.main.cash_balance == Decimal("25000") + Decimal("40") * 250 - Decimal("10") * 200
        # read-only once applied
        again = client.post(
            f"{API}/{sid}/trades", {"trades": [{"symbol": "SPY", "quantity": 1}]}, format="json"
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"

    def test_apply_is_atomic(self, client, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        sid = _session(
            client, world.main, [{"symbol": "IWM", "quantity": 10}, {"symbol": "AAPL", "quantity": -100}]
        )
        before = list(Position.objects.filter(portfolio=world.main).values().order_by("id"))
        cash = Portfolio.objects.get(pk=world.main.pk).cash_balance

        def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("disk full")

        monkeypatch.setattr(services, "_close", boom)  # after the IWM lot was opened
        with pytest.raises(RuntimeError):
            services.session_save(session=ModelingSession.objects.get(pk=sid), apply=True)
        assert list(Position.objects.filter(portfolio=world.main).values().order_by("id")) == before
        assert Portfolio.objects.get(pk=world.main.pk).cash_balance == cash
        assert ModelingSession.objects.get(pk=sid).status == "active"


class TestErrors:
    def test_impacts_are_422_before_calculate_and_409_after_the_trades_changed(self, client, world) -> None:  # type: ignore[no-untyped-def]
        sid = _session(client, world.main)
        assert client.get(f"{API}/{sid}/impacts").status_code == 422
        _calculate(client, sid)
        added = client.post(
            f"{API}/{sid}/trades", {"trades": [{"symbol": "SPY", "quantity": 5}]}, format="json"
        )
        assert client.get(f"{API}/{sid}/impacts").status_code == 409
        trade_id = added.json()["trades"][0]["id"]
        assert client.delete(f"{API}/{sid}/trades/{trade_id}").status_code == 204
        assert client.get(f"{API}/{sid}/impacts").status_code == 409
        _calculate(client, sid)
        assert client.get(f"{API}/{sid}/impacts").status_code == 200

    def test_one_bad_trade_adds_none(self, client, world) -> None:  # type: ignore[no-untyped-def]
        sid = _session(client, world.main)
        bad = [
            {"symbol": "SPY", "quantity": 5},
            {"symbol": "ZZZZZ", "quantity": 5},
            {"symbol": "AAPL", "quantity": 0},
            {"occ_symbol": "SPY   261120P00600000", "quantity": 1},  # expires on the as-of date
        ]
        response = client.post(f"{API}/{sid}/trades", {"trades": bad}, format="json")
        assert response.status_code == 400
        fields = {(p["index"], p["field"]) for p in response.json()["error"]["details"]["trades"]}
        assert {(2, "quantity"), (3, "expiration_date")} <= fields
        assert not ModelingTrade.objects.filter(session_id=sid).exists()
        unknown = client.post(f"{API}/{sid}/trades", {"trades": bad[:2]}, format="json")
        assert unknown.status_code == 400
        assert unknown.json()["error"]["details"]["trades"] == [
            {"index": 1, "field": "symbol", "message": "Unknown symbol ZZZZZ."}
        ]

    def test_another_users_session_and_portfolio_are_404(self, world, client_for, other_user) -> None:  # type: ignore[no-untyped-def]
        mine = client_for(world.owner)
        sid = _session(mine, world.main)
        theirs = client_for(other_user)
        assert theirs.get(f"{API}/{sid}").status_code == 404
        assert theirs.post(f"{API}/{sid}/calculate").status_code == 404
        created = theirs.post(API, {"portfolio_id": str(world.main.id), "name": "x"}, format="json")
        assert created.status_code == 404
        assert theirs.get(API).json()["count"] == 0

    def test_a_cancelled_session_is_read_only(self, client, world) -> None:  # type: ignore[no-untyped-def]
        sid = _session(client, world.main)
        response = client.delete(f"{API}/{sid}")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert client.post(f"{API}/{sid}/calculate").status_code == 409
        assert client.post(f"{API}/{sid}/save", {}, format="json").status_code == 409


class TestExport:
    def test_the_sessions_trades_export_as_fix_through_the_trade_list_writer(self, client, world) -> None:  # type: ignore[no-untyped-def]
        import simplefix

        sid = _session(
            client, world.main, [{"symbol": "AAPL", "quantity": -40}, {"occ_symbol": SPY_PUT, "quantity": 3}]
        )

        response = client.get(f"{API}/{sid}/export", {"format": "fix"})

        assert response.status_code == 200, response.content
        assert response["Content-Disposition"].startswith("attachment;")
        parser = simplefix.FixParser()
        parser.append_buffer(response.content)
        messages = []
        while (message := parser.get_message()) is not None:
            messages.append(message)
        sides = sorted((m.get(55).decode(), m.get(54).decode(), float(m.get(38))) for m in messages)
        assert ("AAPL", "2", 40.0) in sides  # selling held AAPL shares: Side 2
        assert ("SPY", "1", 3.0) in sides  # buying 3 SPY put contracts (options: Symbol 55 = underlying)
        assert all(
            m.get(35) == b"D" and m.get(40) == b"2" for m in messages
        )  # limit orders at the trade price

    def test_export_errors(self, client, world, client_for, other_user) -> None:  # type: ignore[no-untyped-def]
        sid = _session(client, world.main, [{"symbol": "AAPL", "quantity": -40}])
        assert client.get(f"{API}/{sid}/export", {"format": "pdf"}).status_code == 400
        assert client.get(f"{API}/{sid}/export").status_code == 400
        assert client_for(other_user).get(f"{API}/{sid}/export", {"format": "csv"}).status_code == 404


def _assert_same(together, alone, path: str = "") -> None:  # type: ignore[no-untyped-def]
    """Every leaf equal: numbers to 1e-9 (relative, or absolute near zero), the rest exactly."""
    if isinstance(alone, dict):
        assert set(together) == set(alone), path
        for key in alone:
            _assert_same(together[key], alone[key], f"{path}.{key}")
    elif isinstance(alone, list):
        assert len(together) == len(alone), path
        for i, (t, a) in enumerate(zip(together, alone, strict=True)):
            _assert_same(t, a, f"{path}[{i}]")
    elif isinstance(alone, float) and not isinstance(alone, bool):
        assert together == pytest.approx(alone, rel=1e-9, abs=1e-9), path
    else:
        assert together == alone, path


class TestSharedCalculation:
    """A calculate computes its books together (one valuation / risk book / stress P&L per distinct
    lot, one parametric covariance per distinct symbol set): the figures must be those of each
    book run on its own."""

    TRADES = [
        {"symbol": "SPY", "quantity": -40},  # partly sells the held 60
        {"symbol": "AAPL", "quantity": 300},  # adds a lot
        {"symbol": "JPM", "quantity": 20},  # partly covers the short 50
        {"symbol": "IWM", "quantity": 25},  # a symbol the book does not hold
        {"occ_symbol": SPY_PUT, "quantity": 3},
    ]

    def test_books_together_equal_each_book_alone_and_share_one_covariance_per_symbol_set(
        self, client, world, monkeypatch
    ) -> None:  # type: ignore[no-untyped-def]
        from analytics.engines import var as var_engine
        from analytics.modeling.calculate import books_figures

        session = ModelingSession.objects.get(pk=_session(client, world.main, self.TRADES))
        books, cash, light, legs, _ = services.session_books(session)
        assert len(light) == len(self.TRADES)
        estimates = []
        real = var_engine.sample_covariance

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            estimates.append(np.asarray(args[0]).shape[1])  # symbols of the estimate
            return real(*args, **kwargs)

        monkeypatch.setattr(var_engine, "sample_covariance", counted)
        common = {"as_of": session.as_of_date, "owner_id": session.owner_id}
        together = books_figures(books=books, cash=cash, light=light, **common)
        # symbol sets: before and without:IWM (AAPL, JPM, MSFT, SPY); after and the other
        # without books (+ IWM): one parametric estimate each, for both horizons and every book
        assert sorted(estimates) == [4, 5]
        monkeypatch.setattr(var_engine, "sample_covariance", real)

        for key in ("before", "after"):
            alone = books_figures(books={key: books[key]}, cash={key: cash[key]}, **common)[key]
            _assert_same(together[key], alone, key)
        after_var = together["after"]["var"]["parametric"]["h1"]["c95"]["var"]
        for key in light:
            alone = books_figures(books={key: books[key]}, cash={key: cash[key]}, **common)[key]
            assert together[key]["var"]["parametric"].keys() == {"h1"}  # the 10-day is not needed
            for ck in ("c95", "c99"):
                _assert_same(
                    together[key]["var"]["parametric"]["h1"][ck], alone["var"]["parametric"]["h1"][ck]
                )
            incremental = after_var - together[key]["var"]["parametric"]["h1"]["c95"]["var"]
            separate = after_var - alone["var"]["parametric"]["h1"]["c95"]["var"]
            assert incremental == pytest.approx(separate, rel=1e-9, abs=1e-9), key

    def test_the_books_are_selections_of_one_lot_table(self, client, world) -> None:  # type: ignore[no-untyped-def]
        session = ModelingSession.objects.get(pk=_session(client, world.main, self.TRADES))
        books, cash, _, legs, held_cash = services.session_books(session)
        ids = {leg.symbol: leg.id for leg in legs}

        def quantities(frame):  # type: ignore[no-untyped-def]
            return dict(zip(frame["symbol"], frame["quantity"], strict=True)) | {
                pid: q
                for pid, q in zip(frame["id"], frame["quantity"], strict=True)
                if pid.startswith("trade:")
            }

        after = quantities(books["after"])
        assert after["SPY"] == 20 and after["JPM"] == -30 and after["MSFT  270115C00500000"] == 2
        assert after[f"trade:{ids['AAPL']}"] == 300 and after[f"trade:{ids['IWM']}"] == 25
        assert after[f"trade:{ids['SPY   270115P00600000']}"] == 3
        without_spy = quantities(books[f"without:{ids['SPY']}"])
        assert without_spy["SPY"] == 60 and without_spy["JPM"] == -30
        assert "IWM" not in quantities(books[f"without:{ids['IWM']}"])
        moved = {k: held_cash - c for k, c in cash.items()}
        costs = {leg.id: leg.quantity * leg.price * leg.multiplier for leg in legs}
        assert moved["after"] == pytest.approx(sum(costs.values()), abs=1e-6)
        assert moved[f"without:{ids['AAPL']}"] == pytest.approx(
            sum(costs.values()) - costs[ids["AAPL"]], abs=1e-6
        )
        for key, frame in books.items():  # every book has the before book's columns and dtypes
            assert list(frame.columns) == list(books["before"].columns), key
            assert frame.index.equals(pd.RangeIndex(len(frame))), key
