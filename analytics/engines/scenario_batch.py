"""Option values on the VaR scenarios of many books at once (engine 7's chunk path).

Pure numpy: no Django, no clock, no I/O.

Historical and Monte Carlo VaR revalue each book's options on spot-only scenarios
(``revaluation.revalue_pnl``). Done book by book that is one pricer call per book, view, method
and horizon (a few options each, ~8 ms of call overhead apiece). :func:`scenario_batch` computes
the same values for every book of a chunk in a few vectorized calls, and hands each book an
:class:`~analytics.engines.revaluation.OptionScenarioValues` per method and horizon that
``historical_var`` / ``monte_carlo_var_horizons`` take as ``precomputed``:

- historical: the scenario vectors (``var.compounded_returns`` of the last ``window`` daily
  returns) are built once for every return column; a book uses the rows complete in *its*
  columns (as ``historical_var`` does), so books are grouped by that row set, and inside a group
  each distinct contract (underlying column, spot, K, T, r, q, sigma, call/put, exercise) is
  priced once, whatever the number of books holding it; one pricer call per group and horizon.
  The spot-scenario pricer works column by column (its exercise boundary and spot ladder are per
  option, from that option's own scenarios), so a contract's values do not depend on the other
  columns of the call: the result equals the book-by-book path (tested to 1e-9 relative).
- Monte Carlo: a book's paths depend on its own covariance and number of underlyings
  (``var.monte_carlo_var_horizons``), so nothing is shared between books but the standard
  normals (one prefix of ``default_rng(seed)``, bit-identical) and the pricer call: every book's
  option columns go into one call per horizon.

Units as in ``revaluation``: per-share option values in currency; returns simple fractions.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analytics.engines.conventions import (
    COVARIANCE_MIN_OBSERVATIONS,
    COVARIANCE_WINDOW,
    HISTORICAL_VAR_MIN_OBSERVATIONS,
    HISTORICAL_VAR_WINDOW,
    MONTE_CARLO_PATHS,
)
from analytics.engines.option_scenarios import option_price_spot_scenarios
from analytics.engines.revaluation import (
    OptionScenarioValues,
    PositionSet,
    option_base_values,
    option_scenario_spots,
)
from analytics.engines.var import (
    compounded_returns,
    monte_carlo_normals,
    monte_carlo_paths,
    sample_covariance,
)

__all__ = ["BookScenarioRequest", "BookScenarios", "scenario_batch"]

#: Option columns per Monte Carlo pricer call (10,000 paths x 64 x 8 bytes = 5 MB of spots).
_MC_COLUMNS = 64
#: Per-option terms that identify a contract's scenario values (with its underlying column).
_TERMS = ("price", "strike", "expiry_years", "rate", "dividend_yield", "sigma", "is_call", "is_american")


@dataclass(frozen=True, eq=False)
class BookScenarioRequest:
    """One book (``positions.underlying`` indexes the columns of the returns matrix) and the
    scenario methods it needs."""

    positions: PositionSet
    historical: bool = True
    monte_carlo: bool = False


@dataclass(frozen=True, eq=False)
class BookScenarios:
    """A book's precomputed option values per horizon (days) for each method, and the shared
    Monte Carlo normals (None when the book runs no Monte Carlo). A horizon is missing when the
    book has no option or too few observations (the engine then needs no values)."""

    historical: dict[int, OptionScenarioValues] = field(default_factory=dict)
    monte_carlo: dict[int, OptionScenarioValues] = field(default_factory=dict)
    normals: np.ndarray | None = None


def _contract_rows(positions: PositionSet, idx: np.ndarray) -> np.ndarray:
    """(n_options, 9) float rows: underlying column and the pricing terms of each option."""
    cols = [positions.underlying[idx].astype(np.float64)]
    cols += [np.asarray(getattr(positions, name)[idx], dtype=np.float64) for name in _TERMS]
    return np.column_stack(cols)


def _contracts(rows: np.ndarray) -> PositionSet:
    """A PositionSet of one long contract per row of :func:`_contract_rows`."""
    return PositionSet.build(
        quantity=np.ones(len(rows)),
        price=rows[:, 1],
        multiplier=1.0,
        is_option=True,
        strike=rows[:, 2],
        expiry_years=rows[:, 3],
        rate=rows[:, 4],
        dividend_yield=rows[:, 5],
        sigma=rows[:, 6],
        is_call=rows[:, 7] > 0,
        is_american=rows[:, 8] > 0,
        underlying=rows[:, 0].astype(np.intp),
    )


def _shocked(contracts: PositionSet, spots: np.ndarray) -> np.ndarray:
    """Per-share values at the scenario spots, with ``revalue_pnl``'s spot-only pricer call."""
    with np.errstate(all="ignore"):
        return option_price_spot_scenarios(
            spots,
            contracts.strike,
            contracts.expiry_years,
            contracts.rate,
            contracts.dividend_yield,
            contracts.sigma,
            contracts.is_call,
            contracts.is_american,
        )


def _base(contracts: PositionSet) -> np.ndarray:
    return option_base_values(contracts, np.arange(contracts.n))


def scenario_batch(
    requests: Mapping[Hashable, BookScenarioRequest],
    returns: np.ndarray,
    *,
    seed: int,
    horizons: Sequence[int],
    window: int = HISTORICAL_VAR_WINDOW,
    min_observations: int = HISTORICAL_VAR_MIN_OBSERVATIONS,
    n_paths: int = MONTE_CARLO_PATHS,
    covariance_window: int = COVARIANCE_WINDOW,
    covariance_min_observations: int = COVARIANCE_MIN_OBSERVATIONS,
    normals: np.ndarray | None = None,
    cache: MutableMapping[bytes, np.ndarray] | None = None,
) -> tuple[dict[Hashable, BookScenarios], np.ndarray | None]:
    """:class:`BookScenarios` per request key, and the Monte Carlo normals used.

    ``returns``: chronological simple daily returns ``(days, columns)``, the matrix the books'
    ``historical_var`` / ``monte_carlo_var_horizons`` calls receive (with the same windows,
    minimum observations, seed and path count). ``normals``: a prefix of
    ``default_rng(seed).standard_normal`` to reuse (extended when too short). ``cache``: a
    mapping kept across calls on the same ``returns`` (e.g. every chunk of a batch run) holding
    historical contract values, so a contract is priced once per run.
    """
    returns = np.asarray(returns, dtype=np.float64)
    out: dict[Hashable, BookScenarios] = {key: BookScenarios() for key in requests}
    _historical(requests, returns, out, horizons, window, min_observations, cache)
    normals = _monte_carlo(
        requests,
        returns,
        out,
        seed=seed,
        horizons=horizons,
        n_paths=n_paths,
        window=covariance_window,
        min_observations=covariance_min_observations,
        normals=normals,
    )
    return out, normals


def _historical(
    requests: Mapping[Hashable, BookScenarioRequest],
    returns: np.ndarray,
    out: dict[Hashable, BookScenarios],
    horizons: Sequence[int],
    window: int,
    min_observations: int,
    cache: MutableMapping[bytes, np.ndarray] | None,
) -> None:
    cache = {} if cache is None else cache
    for h in horizons:
        scenarios = compounded_returns(returns[-window:], h)
        finite = np.isfinite(scenarios)
        # group the books by the scenario rows complete in their columns
        groups: dict[bytes, list[tuple[Hashable, np.ndarray, np.ndarray]]] = {}
        for key, request in requests.items():
            positions = request.positions
            idx = np.flatnonzero(positions.is_option)
            if not request.historical or idx.size == 0:
                continue
            used = np.unique(positions.underlying)
            mask = finite[:, used].all(axis=1)
            if int(mask.sum()) < max(min_observations, 1):
                continue  # historical_var returns its empty result without revaluing
            groups.setdefault(np.packbits(mask).tobytes(), []).append(
                (key, mask, _contract_rows(positions, idx))
            )
        for mask_key, members in groups.items():
            mask = members[0][1]
            prefix = h.to_bytes(4, "little") + mask_key
            unique: dict[bytes, int] = {}
            for _, _, rows in members:
                for row in rows:
                    unique.setdefault(row.tobytes(), len(unique))
            missing = [k for k in unique if prefix + k not in cache]
            if missing:
                contract_rows = np.array([np.frombuffer(k, dtype=np.float64) for k in missing])
                contracts = _contracts(contract_rows)
                r = np.maximum(scenarios[mask][:, contracts.underlying], -1.0)
                values = _shocked(contracts, option_scenario_spots(contracts.price, r))
                base = _base(contracts)
                for j, k in enumerate(missing):
                    cache[prefix + k] = np.concatenate([[base[j]], values[:, j]])
            for key, _, rows in members:
                stacked = np.column_stack([cache[prefix + row.tobytes()] for row in rows])
                out[key].historical[h] = OptionScenarioValues(base=stacked[0].copy(), shocked=stacked[1:])


def _monte_carlo(
    requests: Mapping[Hashable, BookScenarioRequest],
    returns: np.ndarray,
    out: dict[Hashable, BookScenarios],
    *,
    seed: int,
    horizons: Sequence[int],
    n_paths: int,
    window: int,
    min_observations: int,
    normals: np.ndarray | None,
) -> np.ndarray | None:
    books = []
    for key, request in requests.items():
        if not request.monte_carlo or request.positions.n == 0:
            continue
        positions = request.positions
        used = np.unique(positions.underlying)
        cov, n = sample_covariance(returns[:, used], window, min_observations)
        if n < max(min_observations, 2):
            continue
        books.append((key, positions, used, cov))
    if not books:
        return normals
    k_max = max(used.size for _, _, used, _ in books)
    if normals is None or normals.size < n_paths * k_max:
        normals = np.random.default_rng(seed).standard_normal(n_paths * k_max)
    for key, *_ in books:
        out[key] = BookScenarios(out[key].historical, out[key].monte_carlo, normals)
    with_options = [(key, p, used, cov) for key, p, used, cov in books if p.is_option.any()]
    if not with_options:
        return normals
    # books in groups of about _MC_COLUMNS option columns per pricer call (bounded memory)
    groups: list[list[tuple[Hashable, PositionSet, np.ndarray, np.ndarray]]] = [[]]
    width = 0
    for book in with_options:
        if width >= _MC_COLUMNS:
            groups.append([])
            width = 0
        groups[-1].append(book)
        width += int(book[1].is_option.sum())
    for group in groups:
        rows = np.concatenate(
            [_contract_rows(p, np.flatnonzero(p.is_option)) for _, p, _, _ in group], axis=0
        )
        contracts = _contracts(rows)
        base = _base(contracts)
        bounds = np.cumsum([0, *(int(p.is_option.sum()) for _, p, _, _ in group)])
        for h in horizons:
            spots = np.empty((n_paths, rows.shape[0]))
            for (_, positions, used, cov), lo, hi in zip(group, bounds[:-1], bounds[1:], strict=True):
                idx = np.flatnonzero(positions.is_option)
                z = monte_carlo_normals(seed, n_paths, used.size, normals)
                draws = monte_carlo_paths(z, cov, h)
                local = np.searchsorted(used, positions.underlying[idx])
                spots[:, lo:hi] = option_scenario_spots(
                    positions.price[idx], np.maximum(draws[:, local], -1.0)
                )
            values = _shocked(contracts, spots)
            for (key, *_), lo, hi in zip(group, bounds[:-1], bounds[1:], strict=True):
                out[key].monte_carlo[h] = OptionScenarioValues(base=base[lo:hi], shocked=values[:, lo:hi])
    return normals
