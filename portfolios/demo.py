"""The demo book: three users and their portfolios (data/demo_portfolios.csv, copied from shared/).

Stocks, ETFs and funds are opened at their CSV entry price on their entry date (a non-trading entry
date means the last session before it). Option rows are placeholders (``SPY-CALL``): the option is
opened 21 trading sessions before the as-of date; strike = the underlying's close that day x
moneyness, rounded to the listed grid (1 below $100, 5 from $100); expiry = the third Friday
``expiry_months_after_as_of`` months after the as-of date; entry price = the provider's option
close that day. The ``CASH`` row sets the portfolio's cash balance. Idempotent: a demo portfolio
that already has positions is left as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db import transaction

from accounts.models import User
from marketdata.providers.base import MarketDataProvider
from marketdata.providers.calendar import add_months, session_on_or_before, third_friday, trading_days
from portfolios.models import Portfolio, Position
from portfolios.occ import OCCContract, format_occ
from portfolios.services import position_fields_clean, tags_get_or_create

DEMO_CSV = Path(__file__).resolve().parent / "data" / "demo_portfolios.csv"
DEMO_PASSWORD = "demo12345"
ADMIN_EMAIL = "admin@sigmasight.com"
OPTION_OPEN_SESSIONS_BEFORE = 21


class DemoDataError(RuntimeError):
    """The provider could not price what the demo needs."""


@dataclass(frozen=True)
class DemoRow:
    email: str
    full_name: str
    portfolio: str
    symbol: str
    quantity: Decimal
    entry_price: Decimal | None
    entry_date: dt.date | None
    tags: list[str]
    strategy_tags: list[str]
    underlying: str
    option_type: str
    moneyness: Decimal | None
    expiry_months: int | None


def _split(cell: str) -> list[str]:
    return [t.strip() for t in cell.split(",") if t.strip()]


def demo_rows(path: Path = DEMO_CSV) -> list[DemoRow]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            DemoRow(
                email=r["user_email"],
                full_name=r["full_name"],
                portfolio=r["portfolio_name"],
                symbol=r["symbol"],
                quantity=Decimal(r["quantity"]),
                entry_price=Decimal(r["entry_price"]) if r["entry_price"] else None,
                entry_date=dt.date.fromisoformat(r["entry_date"]) if r["entry_date"] else None,
                tags=_split(r["tags"]),
                strategy_tags=_split(r["strategy_tags"]),
                underlying=r["underlying"],
                option_type=r["option_type"],
                moneyness=Decimal(r["moneyness"]) if r["moneyness"] else None,
                expiry_months=int(r["expiry_months_after_as_of"]) if r["expiry_months_after_as_of"] else None,
            )
            for r in csv.DictReader(fh)
        ]


def demo_emails() -> list[str]:
    return sorted({r.email for r in demo_rows()})


def round_strike(price: float) -> Decimal:
    """The listed strike grid: $1 steps below $100, $5 steps from $100 (nearest)."""
    step = Decimal(1) if price < 100 else Decimal(5)
    return (Decimal(str(price)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def option_open_date(as_of: dt.date) -> dt.date:
    sessions = trading_days(as_of - dt.timedelta(days=60), session_on_or_before(as_of))
    return sessions[-1 - OPTION_OPEN_SESSIONS_BEFORE]


def _close_on(provider: MarketDataProvider, symbols: list[str], day: dt.date) -> dict[str, float]:
    result = provider.history(symbols, day, day)
    closes = {s: float(c) for s, c in zip(result.bars["symbol"], result.bars["close"], strict=True)}
    missing = [s for s in symbols if s not in closes]
    if missing:
        raise DemoDataError(f"The {provider.name} provider has no close on {day} for {', '.join(missing)}.")
    return closes


def demo_option_contracts(
    rows: list[DemoRow], *, as_of: dt.date, provider: MarketDataProvider
) -> dict[str, tuple[OCCContract, Decimal, dt.date]]:
    """Placeholder symbol -> (contract, entry price per share, open date) for the option rows."""
    options = [r for r in rows if r.underlying]
    if not options:
        return {}
    opened = option_open_date(as_of)
    spot = _close_on(provider, sorted({r.underlying for r in options}), opened)
    contracts: dict[str, OCCContract] = {}
    for r in options:
        assert r.moneyness is not None and r.expiry_months is not None
        expiry_month = add_months(as_of, r.expiry_months)
        contracts[r.symbol] = OCCContract(
            underlying=r.underlying,
            expiration=third_friday(expiry_month.year, expiry_month.month),
            option_type=r.option_type,
            strike=round_strike(spot[r.underlying] * float(r.moneyness)),
        )
    occ = {placeholder: format_occ(c) for placeholder, c in contracts.items()}
    prices = _close_on(provider, sorted(occ.values()), opened)
    return {
        placeholder: (contract, Decimal(str(round(prices[occ[placeholder]], 4))), opened)
        for placeholder, contract in contracts.items()
    }


@transaction.atomic
def demo_seed(
    *, as_of: dt.date, provider: MarketDataProvider, reset: bool = False, password: str = DEMO_PASSWORD
) -> dict[str, int]:
    """Creates the demo users (with ``password``), portfolios, tags and positions. Returns counts of
    what was created (an existing user keeps their password)."""
    rows = demo_rows()
    if reset:
        User.objects.filter(email__in=demo_emails()).delete()
    counts = {"users": 0, "portfolios": 0, "positions": 0}
    admin, created = User.objects.get_or_create(
        email=ADMIN_EMAIL, defaults={"full_name": "SigmaSight Admin", "is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(password)
        admin.save()
        counts["users"] += 1
    contracts: dict[str, tuple[OCCContract, Decimal, dt.date]] | None = None
    for email in dict.fromkeys(r.email for r in rows):
        mine = [r for r in rows if r.email == email]
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": mine[0].full_name})
        if created:
            user.set_password(password)
            user.save()
            counts["users"] += 1
        portfolio, created = Portfolio.objects.get_or_create(owner=user, name=mine[0].portfolio)
        counts["portfolios"] += int(created)
        if portfolio.positions.exists():
            continue  # idempotent: an existing demo book is left untouched
        if contracts is None:
            contracts = demo_option_contracts(rows, as_of=as_of, provider=provider)
        for r in mine:
            if r.symbol == "CASH":
                portfolio.cash_balance = r.quantity * (r.entry_price or Decimal(1))
                portfolio.save(update_fields=["cash_balance", "updated_at"])
                continue
            if r.underlying:
                contract, price, opened = contracts[r.symbol]
                data = {
                    "symbol": format_occ(contract),
                    "quantity": r.quantity,
                    "entry_price": price,
                    "entry_date": opened,
                }
            else:
                assert r.entry_date is not None
                data = {
                    "symbol": r.symbol,
                    "quantity": r.quantity,
                    "entry_price": r.entry_price,
                    "entry_date": session_on_or_before(r.entry_date),
                }
            position = Position.objects.create(
                portfolio=portfolio, **position_fields_clean(data, today=as_of)
            )
            position.tags.set(tags_get_or_create(owner=user, names=r.tags, strategy=r.strategy_tags))
            counts["positions"] += 1
    return counts
