"""Alert rules evaluated after a batch run, on hand-made stored results (analytics.alerts.services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.alerts.services import (
    after_batch,
    alerts_evaluate,
    breaches,
    format_metric_value,
    threshold_errors,
)
from analytics.models import (
    Alert,
    AlertEvaluation,
    AlertRule,
    BatchRun,
    PortfolioAggregate,
    PortfolioSnapshot,
    PositionGreeks,
    PositionValuation,
    RiskMetrics,
)
from portfolios.models import PositionType
from portfolios.tests.factories import PortfolioFactory, PositionFactory

AS_OF = dt.date(2025, 1, 6)  # a Monday
NEXT = dt.date(2025, 1, 7)


# Hand-made stored results ------------------------------------------------------------------------


def aggregate(portfolio, as_of=AS_OF, *, gross, net, count=2, priced=None):  # type: ignore[no-untyped-def]
    """A PortfolioAggregate row with the given exposures (USD); the other figures are consistent filler."""
    long_value = (gross + net) / 2
    PortfolioAggregate.objects.update_or_create(
        portfolio=portfolio,
        as_of_date=as_of,
        defaults=dict(
            nav=net,
            cash=0.0,
            long_value=long_value,
            short_value=long_value - gross,
            gross_exposure=gross,
            net_exposure=net,
            delta_long=long_value,
            delta_short=long_value - gross,
            delta_gross=gross,
            delta_net=net,
            cost_basis=net,
            unrealized_pnl=0.0,
            position_count=count,
            priced_count=count if priced is None else priced,
        ),
    )


def valuation(position, as_of=AS_OF, *, price, market_value=None, pnl=0.0):  # type: ignore[no-untyped-def]
    """A PositionValuation row: market value = quantity x price x multiplier unless given (USD)."""
    quantity, multiplier = float(position.quantity), float(position.multiplier)
    if market_value is None and price is not None:
        market_value = quantity * price * multiplier
    cost = None if market_value is None else market_value - pnl
    PositionValuation.objects.update_or_create(
        position=position,
        as_of_date=as_of,
        defaults=dict(
            portfolio=position.portfolio,
            price=price,
            market_value=market_value,
            cost_basis=cost if cost is not None else quantity * float(position.entry_price) * multiplier,
            unrealized_pnl=None if market_value is None else pnl,
            delta_adjusted_exposure=market_value,
            is_held=True,
        ),
    )


def greeks(position, as_of=AS_OF, **values):  # type: ignore[no-untyped-def]
    """A PositionGreeks row; ``values``: position_delta, ..., delta_dollars, gamma_dollars."""
    days = (position.expiration_date - as_of).days if position.expiration_date else 30
    PositionGreeks.objects.update_or_create(
        position=position,
        as_of_date=as_of,
        defaults=dict(portfolio=position.portfolio, days_to_expiry=days, **values),
    )


def option(portfolio, *, expiry, quantity=2, kind="call", symbol=None, **extra):  # type: ignore[no-untyped-def]
    is_call = kind == "call"
    long = quantity > 0
    position_type = {
        (True, True): PositionType.LC,
        (True, False): PositionType.SC,
        (False, True): PositionType.LP,
        (False, False): PositionType.SP,
    }[(is_call, long)]
    return PositionFactory(
        portfolio=portfolio,
        symbol=symbol or f"XYZ   {expiry:%y%m%d}{'C' if is_call else 'P'}00100000",
        position_type=position_type,
        quantity=Decimal(quantity),
        multiplier=100,
        entry_price=Decimal("3"),
        entry_date=dt.date(2024, 12, 2),
        underlying_symbol="XYZ",
        option_type=kind,
        strike_price=Decimal("100"),
        expiration_date=expiry,
        **extra,
    )


def rule(portfolio, metric, operator, threshold, **extra):  # type: ignore[no-untyped-def]
    return AlertRule.objects.create(
        owner=portfolio.owner,
        portfolio=portfolio,
        name=extra.pop("name", f"{metric} {operator} {threshold}"),
        metric=metric,
        operator=operator,
        threshold=threshold,
        **extra,
    )


def evaluate(*portfolios, as_of=AS_OF):  # type: ignore[no-untyped-def]
    run = BatchRun.objects.create(as_of_date=as_of, portfolio_ids=[str(p.id) for p in portfolios] or None)
    alerts_evaluate(run=run)
    return run


@pytest.fixture
def portfolio(user):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=user)


# Rules -------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestRuleLifecycle:
    def test_a_breach_raises_an_alert_with_the_breaching_value(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        # given: gross exposure 150,000 and a rule "gross > 100,000"
        aggregate(portfolio, gross=150_000.0, net=50_000.0)
        gross_rule = rule(portfolio, "gross_exposure", "gt", 100_000.0, priority="high", name="Gross cap")

        # when
        evaluate(portfolio)

        # then
        alert = Alert.objects.get()
        assert alert.rule == gross_rule
        assert alert.kind == "rule"
        assert alert.portfolio == portfolio
        assert alert.value == 150_000.0
        assert alert.threshold == 100_000.0
        assert alert.operator == "gt"
        assert alert.metric == "gross_exposure"
        assert alert.priority == "high"
        assert alert.as_of_date == AS_OF
        assert alert.triggered_at is not None and alert.resolved_at is None
        assert alert.message == "Gross cap: gross exposure $150,000.00 is above $100,000.00 on 2025-01-06."

    def test_a_rerun_of_the_same_date_creates_no_duplicate(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        aggregate(portfolio, gross=150_000.0, net=50_000.0)
        rule(portfolio, "gross_exposure", "gt", 100_000.0)
        evaluate(portfolio)
        first = Alert.objects.get()

        evaluate(portfolio)
        evaluate(portfolio)

        assert list(Alert.objects.all()) == [first]
        assert AlertEvaluation.objects.filter(portfolio=portfolio, as_of_date=AS_OF).count() == 1

    def test_the_alert_resolves_when_the_value_goes_back(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        # given: an open alert raised on AS_OF
        aggregate(portfolio, gross=150_000.0, net=50_000.0)
        rule(portfolio, "gross_exposure", "gt", 100_000.0)
        evaluate(portfolio)

        # when: the next day's gross is back under the threshold
        aggregate(portfolio, NEXT, gross=90_000.0, net=10_000.0)
        evaluate(portfolio, as_of=NEXT)

        # then: resolved with the value that ended it, and a rerun raises nothing
        alert = Alert.objects.get()
        assert alert.resolved_at is not None
        assert alert.resolved_as_of_date == NEXT
        assert alert.resolved_value == 90_000.0
        assert alert.value == 150_000.0  # the breaching value is kept
        assert "$90,000.00" in alert.resolution
        evaluate(portfolio, as_of=NEXT)
        assert Alert.objects.count() == 1

    def test_a_new_breach_after_resolution_raises_a_new_alert(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        rule(portfolio, "gross_exposure", "gt", 100_000.0)
        aggregate(portfolio, gross=150_000.0, net=0.0)
        evaluate(portfolio)
        aggregate(portfolio, NEXT, gross=50_000.0, net=0.0)
        evaluate(portfolio, as_of=NEXT)
        third = NEXT + dt.timedelta(days=1)
        aggregate(portfolio, third, gross=120_000.0, net=0.0)

        evaluate(portfolio, as_of=third)

        assert Alert.objects.count() == 2
        latest = Alert.objects.get(resolved_at__isnull=True)
        assert (latest.value, latest.as_of_date) == (120_000.0, third)

    def test_lt_operator(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        aggregate(portfolio, gross=100_000.0, net=-60_000.0)
        rule(portfolio, "net_exposure", "lt", -50_000.0)
        rule(portfolio, "net_exposure", "lt", -70_000.0)  # -60,000 is not below -70,000

        evaluate(portfolio)

        alert = Alert.objects.get()
        assert (alert.value, alert.threshold, alert.operator) == (-60_000.0, -50_000.0, "lt")
        assert "-$60,000.00 is below -$50,000.00" in alert.message

    def test_equal_to_the_threshold_is_no_breach(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        aggregate(portfolio, gross=100_000.0, net=0.0)
        rule(portfolio, "gross_exposure", "gt", 100_000.0)
        rule(portfolio, "gross_exposure", "lt", 100_000.0)

        evaluate(portfolio)

        assert not Alert.objects.exists()

    def test_inactive_rules_are_not_evaluated(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        aggregate(portfolio, gross=150_000.0, net=0.0)
        rule(portfolio, "gross_exposure", "gt", 100_000.0, is_active=False)

        evaluate(portfolio)

        assert not Alert.objects.exists()

    def test_an_older_run_does_not_change_current_alerts(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        # given: NEXT evaluated (no breach), then a backfill of AS_OF whose stored gross breached
        rule(portfolio, "gross_exposure", "gt", 100_000.0)
        aggregate(portfolio, NEXT, gross=50_000.0, net=0.0)
        evaluate(portfolio, as_of=NEXT)
        aggregate(portfolio, gross=150_000.0, net=0.0)

        evaluate(portfolio)

        assert not Alert.objects.exists()
        assert not AlertEvaluation.objects.filter(as_of_date=AS_OF).exists()

    def test_a_run_of_every_portfolio_evaluates_them_all(self, user) -> None:  # type: ignore[no-untyped-def]
        portfolios = [PortfolioFactory(owner=user) for _ in range(3)]
        for p in portfolios:
            aggregate(p, gross=150_000.0, net=0.0)
            rule(p, "gross_exposure", "gt", 100_000.0)

        evaluate()  # portfolio_ids null = every portfolio

        assert Alert.objects.filter(resolved_at__isnull=True).count() == 3

    def test_the_batch_hook_evaluates_rules(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        aggregate(portfolio, gross=150_000.0, net=0.0)
        rule(portfolio, "gross_exposure", "gt", 100_000.0)

        after_batch(run=BatchRun.objects.create(as_of_date=AS_OF, portfolio_ids=[str(portfolio.id)]))

        assert Alert.objects.count() == 1

    def test_queries_do_not_grow_with_portfolios_and_rules(self, user) -> None:  # type: ignore[no-untyped-def]
        def book(n: int) -> list:  # type: ignore[type-arg]
            made = []
            for i in range(n):
                p = PortfolioFactory(owner=user)
                aggregate(p, gross=150_000.0, net=0.0)
                valuation(PositionFactory(portfolio=p, symbol=f"S{i}"), price=10.0)
                option(p, expiry=AS_OF + dt.timedelta(days=3))
                rule(p, "gross_exposure", "gt", 100_000.0)
                rule(p, "concentration", "gt", 0.5)
                made.append(p)
            return made

        counts = []
        for n in (2, 8):
            portfolios = book(n)
            with CaptureQueriesContext(connection) as ctx:
                evaluate(*portfolios)
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts


# Each metric from its stored result ----------------------------------------------------------------


@pytest.mark.django_db
class TestMetrics:
    def test_var_from_the_risk_engine(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        RiskMetrics.objects.create(
            portfolio=portfolio,
            as_of_date=AS_OF,
            view="portfolio",
            metrics={"summary": {"var_1d_95": 12_345.6}},
        )
        RiskMetrics.objects.create(  # another view never counts
            portfolio=portfolio, as_of_date=AS_OF, view="longs", metrics={"summary": {"var_1d_95": 99_999.0}}
        )
        rule(portfolio, "var_1d_95", "gt", 10_000.0)

        evaluate(portfolio)

        assert Alert.objects.get().value == 12_345.6
        assert AlertEvaluation.objects.get().metrics["var_1d_95"] == 12_345.6

    def test_a_missing_result_is_skipped_and_noted(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        # given: no RiskMetrics, no aggregate, no snapshot for the date
        rule(portfolio, "var_1d_95", "gt", 0.0)
        rule(portfolio, "gross_exposure", "gt", -1.0)
        rule(portfolio, "drawdown", "lt", 0.0)

        evaluate(portfolio)

        assert not Alert.objects.exists()
        evaluation = AlertEvaluation.objects.get(portfolio=portfolio, as_of_date=AS_OF)
        assert evaluation.metrics["var_1d_95"] is None
        assert "risk" in evaluation.notes["var_1d_95"]
        assert "aggregate" in evaluation.notes["gross_exposure"]
        assert "snapshot" in evaluation.notes["drawdown"]

    def test_a_missing_result_leaves_the_open_alert_open(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        rule(portfolio, "gross_exposure", "gt", 100_000.0)
        aggregate(portfolio, gross=150_000.0, net=0.0)
        evaluate(portfolio)

        evaluate(portfolio, as_of=NEXT)  # no aggregate stored for NEXT

        assert Alert.objects.get().resolved_at is None

    def test_delta_dollars_from_option_greeks_and_stock_values(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        # given: 100 shares at 100 (delta dollars = MV = 10,000), a call (+3,000) and a short put (+1,500)
        stock = PositionFactory(portfolio=portfolio, symbol="XYZ", quantity=Decimal("100"))
        call = option(portfolio, expiry=AS_OF + dt.timedelta(days=40))
        put = option(portfolio, expiry=AS_OF + dt.timedelta(days=40), kind="put", quantity=-1)
        valuation(stock, price=100.0)
        valuation(call, price=4.0)
        valuation(put, price=2.0)
        greeks(call, position_delta=30.0, delta_dollars=3_000.0)
        greeks(put, position_delta=15.0, delta_dollars=1_500.0)
        rule(portfolio, "delta_dollars", "gt", 14_000.0)

        evaluate(portfolio)

        assert Alert.objects.get().value == pytest.approx(14_500.0, abs=1e-9)

    def test_delta_dollars_without_option_greeks_is_partial_and_noted(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        stock = PositionFactory(portfolio=portfolio, symbol="XYZ", quantity=Decimal("100"))
        call = option(portfolio, expiry=AS_OF + dt.timedelta(days=40))
        valuation(stock, price=100.0)
        valuation(call, price=4.0)  # no PositionGreeks row

        evaluate(portfolio)

        evaluation = AlertEvaluation.objects.get()
        assert evaluation.metrics["delta_dollars"] == 10_000.0
        assert "1 of 2" in evaluation.notes["delta_dollars"]

    def test_concentration_is_the_largest_absolute_value_over_gross(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        # given: MVs 10,000, -5,000 and 5,000 -> gross 20,000, largest 10,000 -> 0.5
        a = PositionFactory(portfolio=portfolio, symbol="AAA", quantity=Decimal("100"))
        b = PositionFactory(portfolio=portfolio, symbol="BBB", quantity=Decimal("-50"), position_type="SHORT")
        c = PositionFactory(portfolio=portfolio, symbol="CCC", quantity=Decimal("50"))
        valuation(a, price=100.0)
        valuation(b, price=100.0)
        valuation(c, price=100.0)
        rule(portfolio, "concentration", "gt", 0.4)
        rule(portfolio, "concentration", "gt", 0.5)

        evaluate(portfolio)

        alert = Alert.objects.get()
        assert alert.value == 0.5
        assert "50.00%" in alert.message

    def test_drawdown_from_the_snapshot(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        for date, drawdown in ((AS_OF - dt.timedelta(days=3), -0.02), (AS_OF, -0.15)):
            PortfolioSnapshot.objects.create(
                portfolio=portfolio,
                date=date,
                nav=85_000.0,
                market_value=85_000.0,
                cash=0.0,
                long_value=85_000.0,
                short_value=0.0,
                gross_exposure=85_000.0,
                net_exposure=85_000.0,
                cumulative_return=-0.15,
                drawdown=drawdown,
                position_count=1,
            )
        rule(portfolio, "drawdown", "lt", -0.1)

        evaluate(portfolio)

        assert Alert.objects.get().value == -0.15

    def test_days_to_expiry_of_the_nearest_held_option(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        option(portfolio, expiry=AS_OF + dt.timedelta(days=30))
        option(portfolio, expiry=AS_OF + dt.timedelta(days=10))
        option(portfolio, expiry=AS_OF + dt.timedelta(days=3), exit_date=AS_OF)  # closed: not held
        option(portfolio, expiry=AS_OF - dt.timedelta(days=1))  # already expired
        rule(portfolio, "days_to_expiry", "lt", 14.0)

        evaluate(portfolio)

        alert = Alert.objects.get(kind="rule")
        assert alert.value == 10.0
        assert "10 days" in alert.message


# Built-in expiration risk ------------------------------------------------------------------------


@pytest.mark.django_db
class TestExpirationAlerts:
    def test_an_option_expiring_in_5_days_alerts_but_not_in_10(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        soon = option(portfolio, expiry=AS_OF + dt.timedelta(days=5))
        option(portfolio, expiry=AS_OF + dt.timedelta(days=10))
        PositionFactory(portfolio=portfolio, symbol="XYZ")  # stocks never expire

        evaluate(portfolio)

        alert = Alert.objects.get()
        assert alert.kind == "expiration"
        assert alert.rule is None
        assert alert.position == soon
        assert (alert.metric, alert.value, alert.threshold) == ("days_to_expiry", 5.0, 7.0)
        assert alert.priority == "medium"
        assert alert.message == f"Option {soon.symbol} expires in 5 days (2025-01-11, as of 2025-01-06)."

    def test_the_window_is_7_calendar_days_inclusive(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        for days in (0, 7, 8):
            option(portfolio, expiry=AS_OF + dt.timedelta(days=days))

        evaluate(portfolio)

        assert sorted(Alert.objects.values_list("value", flat=True)) == [0.0, 7.0]
        assert Alert.objects.get(value=0.0).priority == "high"

    def test_one_alert_per_option_across_reruns_and_days(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        option(portfolio, expiry=AS_OF + dt.timedelta(days=5))

        evaluate(portfolio)
        evaluate(portfolio)
        evaluate(portfolio, as_of=NEXT)

        assert Alert.objects.count() == 1

    def test_resolved_when_closed(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        position = option(portfolio, expiry=AS_OF + dt.timedelta(days=5))
        evaluate(portfolio)
        position.exit_date = NEXT
        position.exit_price = Decimal("1")
        position.save()

        evaluate(portfolio, as_of=NEXT)

        alert = Alert.objects.get()
        assert alert.resolved_at is not None
        assert alert.resolution == "Position closed."
        assert alert.resolved_as_of_date == NEXT

    def test_resolved_when_expired(self, portfolio) -> None:  # type: ignore[no-untyped-def]
        option(portfolio, expiry=AS_OF + dt.timedelta(days=5))
        evaluate(portfolio)

        evaluate(portfolio, as_of=AS_OF + dt.timedelta(days=6))

        alert = Alert.objects.get()
        assert (alert.resolution, alert.resolved_value) == ("Option expired.", -1.0)


# Pure helpers ------------------------------------------------------------------------------------


class TestHelpers:
    @pytest.mark.parametrize(
        ("metric", "threshold", "ok"),
        [
            ("var_1d_95", 10_000.0, True),
            ("var_1d_95", -1.0, False),
            ("gross_exposure", -5.0, False),
            ("net_exposure", -5.0, True),
            ("delta_dollars", -1e6, True),
            ("concentration", 0.25, True),
            ("concentration", 25.0, False),
            ("drawdown", -0.1, True),
            ("drawdown", 0.1, False),
            ("drawdown", -10.0, False),
            ("days_to_expiry", 7.0, True),
            ("days_to_expiry", -1.0, False),
            ("net_exposure", float("inf"), False),
            ("net_exposure", float("nan"), False),
        ],
    )
    def test_threshold_ranges(self, metric, threshold, ok) -> None:  # type: ignore[no-untyped-def]
        assert (threshold_errors(metric=metric, threshold=threshold) == []) is ok

    def test_breaches(self) -> None:
        assert breaches(value=2.0, operator="gt", threshold=1.0)
        assert not breaches(value=1.0, operator="gt", threshold=1.0)
        assert breaches(value=0.0, operator="lt", threshold=1.0)

    @pytest.mark.parametrize(
        ("metric", "value", "text"),
        [
            ("gross_exposure", 1_234_567.891, "$1,234,567.89"),
            ("net_exposure", -500.0, "-$500.00"),
            ("concentration", 0.125, "12.50%"),
            ("drawdown", -0.2, "-20.00%"),
            ("days_to_expiry", 3.0, "3 days"),
        ],
    )
    def test_format(self, metric, value, text) -> None:  # type: ignore[no-untyped-def]
        assert format_metric_value(metric, value) == text
