"""Reads for GET /management/strategies: strategy tags with their positions' stored batch figures.

A strategy is a tag of ``tag_type=strategy``; its positions are the open positions carrying the tag
(exit_date null or after ``today``), restricted to one portfolio when asked. Figures come from the
latest batch results of each position's portfolio (the latest ``as_of_date`` with a
PositionValuation row for that portfolio), never recomputed here:

- ``net_exposure`` = sum of market values, ``gross_exposure`` = sum of |market value|, ``pnl`` =
  sum of unrealized P&L (USD; :func:`analytics.engines.valuation.exposures_by_group`);
- ``greeks``: options their stored position Greeks (PositionGreeks of that date); stocks, ETFs and
  funds delta 1 per share (delta = signed shares, delta_dollars = market value) and zero gamma,
  theta, vega, rho (:func:`analytics.engines.greeks.stock_position_greeks`); sums by
  :func:`analytics.engines.greeks.greeks_totals`. Units: delta in shares, gamma in shares per USD 1,
  theta USD per calendar day, vega USD per vol point, rho USD per rate point, *_dollars USD.

A strategy with no valued position has null figures and a ``note`` saying why (never invented
numbers); partial coverage is stated in the ``note`` too. Queries: 4 for a page of strategies,
whatever the number of positions (tag links, latest dates, valuations, Greeks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Exists, Max, OuterRef, QuerySet

from analytics.engines.greeks import greeks_totals, stock_position_greeks
from analytics.engines.valuation import exposures_by_group
from analytics.models import PositionGreeks, PositionValuation
from analytics.selectors.greeks import GREEK_NAMES, greek_value
from portfolios.models import OPTION_TYPES, Portfolio, Position, Tag, TagType
from sigmasight.api.numbers import money

__all__ = [
    "GREEK_NAMES",
    "book_greeks_frame",
    "latest_valuation_dates",
    "strategy_figures",
    "strategy_list",
    "strategy_rows",
]

_GREEK_COLUMNS = [
    "position_delta",
    "position_gamma",
    "position_theta",
    "position_vega",
    "position_rho",
    "delta_dollars",
    "gamma_dollars",
]
_OPTION_TYPES = frozenset(str(t) for t in OPTION_TYPES)


def strategy_list(*, user: Any, portfolio: Portfolio | None = None) -> QuerySet[Tag]:
    """The user's strategy tags by name; with ``portfolio``, those tagging a position of it."""
    tags = Tag.objects.filter(owner=user, tag_type=TagType.STRATEGY)
    if portfolio is not None:
        links = Position.tags.through.objects.filter(tag_id=OuterRef("pk"), position__portfolio=portfolio)
        tags = tags.filter(Exists(links))
    return tags.order_by("name", "id")


def latest_valuation_dates(*, portfolio_ids: Sequence[str]) -> dict[str, dt.date]:
    """{portfolio id: latest as_of_date with stored valuations} (one query)."""
    if not portfolio_ids:
        return {}
    rows = (
        PositionValuation.objects.filter(portfolio_id__in=list(portfolio_ids))
        .values("portfolio_id")
        .annotate(latest=Max("as_of_date"))
        .values_list("portfolio_id", "latest")
    )
    return {str(pid): latest for pid, latest in rows}


def book_greeks_frame(*, positions: pd.DataFrame, greeks: pd.DataFrame) -> pd.DataFrame:
    """Position Greeks (the engine's ``position_*`` columns) of valued positions, index = row index.

    ``positions``: rows with ``position_id``, ``is_option``, ``price`` (stored close per share),
    ``quantity``, ``multiplier``. ``greeks``: stored PositionGreeks indexed by position id with the
    engine's column names. Stocks: delta 1 per share at the stored price; options: their stored row
    (NaN when missing).
    """
    out = pd.DataFrame(np.nan, index=positions.index, columns=_GREEK_COLUMNS, dtype=float)
    is_option = positions["is_option"].to_numpy(dtype=bool)
    stocks = positions.loc[~is_option]
    if not stocks.empty:
        frame = stock_position_greeks(
            underlying_price=stocks["price"].to_numpy(dtype=float),
            quantity=stocks["quantity"].to_numpy(dtype=float),
            multiplier=stocks["multiplier"].to_numpy(dtype=float),
            index=stocks.index,
        )
        out.loc[stocks.index, _GREEK_COLUMNS] = frame[_GREEK_COLUMNS].to_numpy(dtype=float)
    options = positions.loc[is_option]
    if not options.empty and not greeks.empty:
        stored = greeks.reindex(options["position_id"])[_GREEK_COLUMNS].to_numpy(dtype=float)
        out.loc[options.index, _GREEK_COLUMNS] = stored
    return out


def _empty_figures() -> dict[str, Any]:
    return {
        "valued_position_count": 0,
        "net_exposure": None,
        "gross_exposure": None,
        "pnl": None,
        "greeks": None,
        "as_of_date": None,
    }


_LINK_FIELDS = [
    "tag_id",
    "position_id",
    "position__portfolio_id",
    "position__position_type",
    "position__quantity",
    "position__multiplier",
]
_VALUATION_FIELDS = [
    "position_id",
    "as_of_date",
    "portfolio_id",
    "price",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
    "daily_pnl",
    "delta_adjusted_exposure",
]
_STORED_GREEK_FIELDS = ["position_id", "as_of_date", *_GREEK_COLUMNS]


def strategy_figures(
    *, tags: Sequence[Tag], today: dt.date, portfolio: Portfolio | None = None
) -> dict[str, dict[str, Any]]:
    """{tag id: figures} for the given strategy tags (see the module docstring).

    Figures: position_count (open positions carrying the tag), valued_position_count,
    net_exposure, gross_exposure, pnl (USD, 2 decimals), greeks {delta, delta_dollars, gamma,
    gamma_dollars, theta, vega, rho} or null, as_of_date (the latest valuation date used) and
    note (why figures are null or partial; null when complete).
    """
    tag_ids = [t.pk for t in tags]
    out = {str(pk): {"position_count": 0, **_empty_figures(), "note": None} for pk in tag_ids}
    if not tag_ids:
        return out

    # 1 query: the open positions of these tags (in the portfolio when given), one row per link.
    owners = {t.owner_id for t in tags}
    links_qs = Position.tags.through.objects.filter(
        tag_id__in=tag_ids, position__portfolio__owner_id__in=owners
    )
    links_qs = links_qs.exclude(position__exit_date__lte=today)
    if portfolio is not None:
        links_qs = links_qs.filter(position__portfolio=portfolio)
    links = pd.DataFrame(list(links_qs.values_list(*_LINK_FIELDS)), columns=_LINK_FIELDS)
    links = links.rename(columns=lambda c: c.removeprefix("position__"))
    for column in ("tag_id", "position_id", "portfolio_id"):
        links[column] = links[column].astype(str)
    counts = links.groupby("tag_id").size() if not links.empty else pd.Series(dtype=int)
    for tag_id, n in counts.items():
        out[tag_id]["position_count"] = int(n)
    scope = " in this portfolio" if portfolio is not None else ""
    if links.empty:
        for figures in out.values():
            figures["note"] = f"No open position carries this strategy tag{scope}."
        return out

    # 1 query: latest valuation date per portfolio; 1 query: the valuations of those dates.
    latest = latest_valuation_dates(portfolio_ids=sorted(set(links["portfolio_id"])))
    position_ids = sorted(set(links["position_id"]))
    valuations = _stored_frame(PositionValuation, _VALUATION_FIELDS, position_ids, latest)
    option_ids = sorted(set(links.loc[links["position_type"].isin(_OPTION_TYPES), "position_id"]))
    greeks = _stored_frame(PositionGreeks, _STORED_GREEK_FIELDS, option_ids, latest) if option_ids else None

    links["quantity"] = pd.to_numeric(links["quantity"], errors="coerce").astype(float)
    links["multiplier"] = links["multiplier"].astype(float)
    links["is_option"] = links["position_type"].isin(_OPTION_TYPES)
    valued = links.merge(
        valuations.drop(columns=["portfolio_id"]), left_on="position_id", right_index=True, how="inner"
    )
    valued = valued.reset_index(drop=True)
    exposures = exposures_by_group(valued, "tag_id") if not valued.empty else pd.DataFrame()
    greek_frame = book_greeks_frame(positions=valued, greeks=greeks if greeks is not None else pd.DataFrame())
    greek_rows = pd.concat([valued[["tag_id"]], greek_frame], axis=1)
    totals = greeks_totals(greek_rows, by="tag_id") if not valued.empty else pd.DataFrame()

    for tag_id, figures in out.items():
        figures.update(_tag_figures(tag_id, figures, valued, exposures, totals, scope=scope))
    return out


def _stored_frame(
    model: type[PositionValuation | PositionGreeks],
    fields: list[str],
    position_ids: list[str],
    latest: dict[str, dt.date],
) -> pd.DataFrame:
    """Rows of ``model`` for the positions on their portfolio's latest date, indexed by position id."""
    if not latest or not position_ids:
        return pd.DataFrame(columns=fields[1:], index=pd.Index([], name="position_id"))
    select = fields if "portfolio_id" in fields else [*fields, "portfolio_id"]
    rows = model.objects.filter(position_id__in=position_ids, as_of_date__in=set(latest.values()))
    frame = pd.DataFrame(list(rows.values_list(*select)), columns=select)
    frame["position_id"] = frame["position_id"].astype(str)
    frame["portfolio_id"] = frame["portfolio_id"].astype(str)
    keep = frame["as_of_date"].to_numpy() == frame["portfolio_id"].map(latest).to_numpy()
    frame = frame.loc[keep].set_index("position_id")
    numeric = [c for c in fields if c not in ("position_id", "as_of_date", "portfolio_id")]
    for column in numeric:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame[[c for c in fields[1:]]]


def _tag_figures(
    tag_id: str,
    figures: dict[str, Any],
    valued: pd.DataFrame,
    exposures: pd.DataFrame,
    totals: pd.DataFrame,
    *,
    scope: str,
) -> dict[str, Any]:
    count = figures["position_count"]
    if count == 0:
        return {"note": f"No open position carries this strategy tag{scope}."}
    mine = valued.loc[valued["tag_id"] == tag_id]
    mv = mine["market_value"].to_numpy(dtype=float) if not mine.empty else np.array([])
    priced = int(np.isfinite(mv).sum())
    if priced == 0:
        reason = (
            "No batch valuation yet for this strategy's positions"
            if mine.empty
            else "The batch found no price for this strategy's positions"
        )
        return {"note": f"{reason}: figures appear after the next batch run with prices (never estimated)."}

    dates = sorted(set(mine["as_of_date"]))
    row = exposures.loc[tag_id]
    result: dict[str, Any] = {
        "valued_position_count": priced,
        "net_exposure": money(row["net"]),
        "gross_exposure": money(row["gross"]),
        "pnl": money(row["unrealized_pnl"]),
        "as_of_date": dates[-1],
    }
    notes = []
    if priced < count:
        notes.append(
            f"{count - priced} of {count} positions have no stored market value for the latest batch date "
            "(opened after the last run, or not priced): the figures cover the others."
        )
    if len(dates) > 1:
        notes.append(
            "Positions come from portfolios last valued on different dates "
            f"({', '.join(d.isoformat() for d in dates)}): as_of_date is the latest."
        )
    greek_row = totals.loc[tag_id]
    known = int(greek_row["positions"] - greek_row["missing"])
    if known == 0:
        result["greeks"] = None
        notes.append("No stored Greeks for these positions yet (the Greeks engine has not run for them).")
    else:
        result["greeks"] = {name: greek_value(name, greek_row[name]) for name in GREEK_NAMES}
        if greek_row["missing"]:
            notes.append(
                f"{int(greek_row['missing'])} position(s) without stored Greeks or price are left out of greeks."
            )
    result["note"] = " ".join(notes) or None
    return result


def strategy_rows(
    *, tags: Sequence[Tag], today: dt.date, portfolio: Portfolio | None = None
) -> list[dict[str, Any]]:
    """One /management/strategies row per strategy tag: the tag's fields and its figures
    (:func:`strategy_figures`, computed for all the tags at once)."""
    figures = strategy_figures(tags=tags, today=today, portfolio=portfolio)
    return [
        {"id": t.pk, "name": t.name, "description": t.description, "color": t.color, **figures[str(t.pk)]}
        for t in tags
    ]
