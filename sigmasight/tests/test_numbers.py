"""sigmasight.api.numbers: one rounding rule (half-up on the shortest decimal form) and one null
rule (None for None, NaN, inf and non-numbers) for every number an API response or JSON column shows."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmasight.api.numbers import money, number, numbers, percent, price, ratio, shares

NON_FINITE = [
    None,
    math.nan,
    math.inf,
    -math.inf,
    np.nan,
    np.float64("inf"),
    Decimal("NaN"),
    Decimal("-Infinity"),
]


class TestMoney:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (0.125, 0.13),  # an exact binary tie: round() would give 0.12 (half to even)
            (2.675, 2.68),  # binary 2.67499999...: round() would give 2.67; the printed 2.675 rounds up
            (10.005, 10.01),
            (1.005, 1.01),
            (-0.005, -0.01),  # half away from zero
            (-2.675, -2.68),
            (1e-12, 0.0),
            (123456.785, 123456.79),
            (1502.5, 1502.5),
            (0.0, 0.0),
            (7, 7.0),
        ],
    )
    def test_half_up_to_the_cent(self, value, expected) -> None:
        assert money(value) == expected

    def test_differs_from_round_only_on_decimal_ties(self) -> None:
        assert round(2.675, 2) == 2.67 and money(2.675) == 2.68
        rng = np.random.default_rng(7)
        for x in rng.uniform(-1e6, 1e6, 2000).tolist():
            if abs(x * 1000 - round(x * 1000)) > 1e-3:  # not near a third-decimal tie
                assert money(x) == round(x, 2)

    @pytest.mark.parametrize("value", NON_FINITE)
    def test_non_finite_is_null(self, value) -> None:
        assert money(value) is None
        assert number(value) is None
        assert price(value) is None

    def test_numpy_and_decimal_inputs_give_python_floats(self) -> None:
        for value in (np.float64(2.675), np.float32(0.5), np.int64(3), Decimal("2.675")):
            out = money(value)
            assert type(out) is float
        assert money(np.float64(2.675)) == 2.68
        assert money(Decimal("2.675")) == 2.68  # a Decimal rounds on its exact value
        assert money(Decimal("2.67499")) == 2.67
        assert money(np.float32(0.5)) == 0.5

    def test_not_a_number_is_null(self) -> None:
        assert money(True) is None and number(False) is None
        assert number("n/a") is None and number(object()) is None
        assert number("1.5") == 1.5


class TestOtherPrecisions:
    def test_price_four_decimals(self) -> None:
        assert price(10.00005) == 10.0001
        assert price(150.25) == 150.25
        assert price(1.23456789) == 1.2346

    def test_percent_four_decimals(self) -> None:
        assert percent(12.34565) == 12.3457
        assert percent(-0.00005) == -0.0001

    def test_shares_six_decimals(self) -> None:
        assert shares(0.1234565) == 0.123457
        assert shares(-57.0000004) == -57.0

    def test_ratio_and_number_round_only_when_asked(self) -> None:
        x = 0.123456789123
        assert ratio(x) == x and number(x) == x
        assert ratio(x, 8) == 0.12345679
        assert number(2.5, 0) == 3.0


class TestNumbers:
    def test_float_array_fast_path(self) -> None:
        values = np.array([[1.5, np.nan], [np.inf, -2.25]])
        assert numbers(values) == [1.5, None, None, -2.25]

    def test_other_iterables_and_digits(self) -> None:
        assert numbers([1.005, None, "x", Decimal("2.675")], 2) == [1.01, None, None, 2.68]
        assert numbers(np.array([1, 2])) == [1.0, 2.0]
        assert numbers(np.array([0.125, np.nan]), 2) == [0.13, None]
        assert numbers([]) == []


class TestFastHalfUp:
    """The float fast path of ``_half_up`` equals the decimal rounding it shortcuts (issue 15)."""

    @given(
        value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
        digits=st.sampled_from([0, 1, 2, 4, 6, 8]),
    )
    @settings(max_examples=3000, deadline=None)
    def test_equals_the_decimal_path_on_random_floats(self, value: float, digits: int) -> None:
        from sigmasight.api.numbers import _half_up, _half_up_decimal

        fast, slow = _half_up(value, digits), _half_up_decimal(value, digits)
        assert repr(fast) == repr(slow)

    @given(
        units=st.integers(min_value=-(10**9), max_value=10**9),
        digits=st.sampled_from([1, 2, 4, 6]),
        tail=st.sampled_from(["5", "49", "51", "499999", "500001", "0"]),
    )
    @settings(max_examples=2000, deadline=None)
    def test_equals_the_decimal_path_near_ties(self, units: int, digits: int, tail: str) -> None:
        from sigmasight.api.numbers import _half_up, _half_up_decimal

        value = float(
            Decimal(units).scaleb(-digits) + Decimal("0." + "0" * digits + tail) * (1 if units >= 0 else -1)
        )
        assert repr(_half_up(value, digits)) == repr(_half_up_decimal(value, digits))

    def test_known_ties(self) -> None:
        from sigmasight.api.numbers import _half_up

        assert (_half_up(2.675, 2), _half_up(0.125, 2), _half_up(-0.005, 2), _half_up(1e-7, 2)) == (
            2.68,
            0.13,
            -0.01,
            0.0,
        )
