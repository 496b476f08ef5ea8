"""POST /api/v1/export/trades: validated trade lists as FIX 4.4, CSV and JSON downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
import simplefix

from exports.models import ExportRecord
from exports.trades import trades_export
from marketdata.tests.factories import SecurityFactory
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from sigmasight.api.exceptions import ApplicationError
from sigmasight.tests.envelope import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/export/trades"
CALL = "AAPL  250620C00200000"  # the factories' long call (2 held)
PUT = "AAPL  250620P00150000"  # the factories' short put (-3 held)
SOH = b"\x01"


@pytest.fixture
def known(db):  # type: ignore[no-untyped-def]
    for symbol in ("AAPL", "MSFT", "SPY"):
        SecurityFactory(symbol=symbol)


@pytest.fixture
def portfolio(user, known):  # type: ignore[no-untyped-def]
    """AAPL 100 long, MSFT 50 short, 2 long AAPL calls, 3 short AAPL puts."""
    portfolio = PortfolioFactory(owner=user, name="Trading Book")
    PositionFactory(portfolio=portfolio)
    PositionFactory(portfolio=portfolio, short=True, symbol="MSFT")
    PositionFactory(portfolio=portfolio, long_call=True)
    PositionFactory(portfolio=portfolio, short_put=True)
    PositionFactory(portfolio=portfolio, closed=True, symbol="SPY")  # closed: holds nothing
    return portfolio


def post(client: Any, body: dict[str, Any]) -> Any:
    return client.post(URL, body, format="json")


TRADES = [
    {"symbol": "AAPL", "action": "buy", "quantity": 10},
    {"symbol": "aapl", "action": "sell", "quantity": 100, "order_type": "limit", "limit_price": 251.5},
    {"symbol": "SPY", "action": "sell_short", "quantity": "12.5"},
    {"symbol": "MSFT", "action": "buy_to_cover", "quantity": 50, "order_type": "market"},
    {
        "symbol": "AAPL250620C00200000",
        "action": "sell",
        "quantity": 2,
        "order_type": "limit",
        "limit_price": 4.25,
    },
    {"symbol": PUT, "action": "buy_to_cover", "quantity": 3},
]


def fix_messages(content: bytes) -> list[tuple[bytes, simplefix.FixMessage]]:
    """(raw bytes, parsed message) of each line of a FIX file."""
    assert content.endswith(b"\n")
    out = []
    for raw in content.split(b"\n")[:-1]:
        parser = simplefix.FixParser()
        parser.append_buffer(raw)
        message = parser.get_message()
        assert message is not None, raw
        out.append((raw, message))
    return out


def verify_framing(raw: bytes) -> None:
    """BodyLength(9) counts the bytes after its own field up to CheckSum(10); CheckSum is the byte
    sum of everything before it, mod 256, in 3 digits."""
    fields = raw.split(SOH)
    assert fields[-1] == b"" and fields[0] == b"8=FIX.4.4" and fields[1].startswith(b"9=")
    assert re.fullmatch(rb"10=\d{3}", fields[-2])
    head = len(fields[0]) + 1 + len(fields[1]) + 1
    trailer_at = raw.rindex(b"10=")
    assert int(fields[1][2:]) == trailer_at - head
    assert int(fields[-2][3:]) == sum(raw[:trailer_at]) % 256


class TestFix:
    def test_one_new_order_single_per_trade_with_valid_framing(self, auth_client, portfolio) -> None:
        response = post(
            auth_client,
            {"portfolio_id": str(portfolio.id), "trades": TRADES, "format": "fix", "broker": "IBKR"},
        )

        assert response.status_code == 200, response.content
        assert re.fullmatch(
            r'attachment; filename="trades-trading-book-\d{8}T\d{6}Z\.fix"', response["Content-Disposition"]
        )
        messages = fix_messages(response.content)
        assert len(messages) == len(TRADES)
        for raw, message in messages:
            verify_framing(raw)
            assert message.get(35) == b"D"
            assert (message.get(49), message.get(56)) == (b"SIGMASIGHT", b"IBKR")
            transact = dt.datetime.strptime(message.get(60).decode(), "%Y%m%d-%H:%M:%S.%f")
            assert abs(transact.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
        ids = [m.get(11) for _, m in messages]
        assert len(set(ids)) == len(ids) and all(len(i) == 32 for i in ids)
        assert [int(m.get(34)) for _, m in messages] == list(range(1, len(TRADES) + 1))
        got = [(m.get(54), m.get(38), m.get(40), m.get(44)) for _, m in messages]
        assert got == [
            (b"1", b"10", b"1", None),
            (b"2", b"100", b"2", b"251.5"),
            (b"5", b"12.5", b"1", None),
            (b"1", b"50", b"1", None),
            (b"2", b"2", b"2", b"4.25"),
            (b"1", b"3", b"1", None),
        ]
        assert [m.get(55) for _, m in messages] == [b"AAPL", b"AAPL", b"SPY", b"MSFT", b"AAPL", b"AAPL"]

    def test_options_carry_the_contract_fields(self, auth_client, portfolio) -> None:
        response = post(
            auth_client, {"portfolio_id": str(portfolio.id), "trades": TRADES[4:], "format": "fix"}
        )

        (_, call), (_, put) = fix_messages(response.content)
        assert call.get(167) == b"OPT" and call.get(48) == CALL.encode()
        assert (call.get(200), call.get(541), call.get(202), call.get(201)) == (
            b"202506",
            b"20250620",
            b"200",
            b"1",
        )
        assert (call.get(77), put.get(77), put.get(201)) == (b"C", b"C", b"0")
        assert call.get(56) == b"BROKER"

    def test_the_service_returns_bytes_filename_and_content_type(self, known) -> None:
        content, filename, content_type = trades_export(
            trades=[{"symbol": "SPY", "action": "buy", "quantity": Decimal("1")}], format="fix"
        )

        assert content.count(b"\n") == 1 and content_type == "application/octet-stream"
        assert re.fullmatch(r"trades-\d{8}T\d{6}Z\.fix", filename)
        assert not ExportRecord.objects.exists()  # the service writes no history; the API does


class TestCsvAndJson:
    def test_csv_one_row_per_trade_with_the_validated_fields(self, auth_client, portfolio) -> None:
        response = post(auth_client, {"portfolio_id": str(portfolio.id), "trades": TRADES, "format": "csv"})

        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [r["symbol"] for r in rows] == ["AAPL", "AAPL", "SPY", "MSFT", CALL, PUT]
        assert [r["action"] for r in rows] == [t["action"] for t in TRADES]
        assert [r["quantity"] for r in rows] == ["10", "100", "12.5", "50", "2", "3"]
        assert [r["order_type"] for r in rows] == ["market", "limit", "market", "market", "limit", "market"]
        assert rows[1]["limit_price"] == "251.5" and rows[0]["limit_price"] == ""
        assert (rows[4]["security_type"], rows[4]["underlying_symbol"], rows[4]["strike_price"]) == (
            "option",
            "AAPL",
            "200",
        )
        assert rows[4]["expiration_date"] == "2025-06-20" and rows[0]["security_type"] == "equity"
        record = ExportRecord.objects.get()
        assert (record.kind, record.format, record.portfolio_id) == ("trades", "csv", portfolio.id)
        assert record.size_bytes == len(response.content)

    def test_json_without_a_portfolio(self, auth_client, known) -> None:
        response = post(auth_client, {"trades": TRADES[:1], "format": "json"})

        assert response.status_code == 200, response.content
        body = json.loads(response.content)
        assert body["portfolio_id"] is None and body["broker"] == "BROKER"
        assert body["trades"][0] | {"client_order_id": "x"} == {
            "client_order_id": "x",
            "symbol": "AAPL",
            "action": "buy",
            "quantity": 10.0,
            "order_type": "market",
            "limit_price": None,
            "security_type": "equity",
            "underlying_symbol": None,
            "option_type": None,
            "strike_price": None,
            "expiration_date": None,
        }
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["generated_at"])


class TestValidation:
    @pytest.mark.parametrize(
        ("trade", "field", "text"),
        [
            ({"symbol": "AAPL", "action": "sell", "quantity": 101}, "quantity", "exceeds"),
            ({"symbol": "MSFT", "action": "sell", "quantity": 1}, "quantity", "held long"),
            ({"symbol": "AAPL", "action": "buy_to_cover", "quantity": 1}, "quantity", "held short"),
            ({"symbol": "SPY", "action": "sell", "quantity": 1}, "quantity", "exceeds"),  # closed lot
            ({"symbol": CALL, "action": "buy_to_cover", "quantity": 1}, "quantity", "held short"),
            ({"symbol": PUT, "action": "buy_to_cover", "quantity": 4}, "quantity", "exceeds"),
            ({"symbol": "AAPL", "action": "buy", "quantity": 0}, "quantity", "greater than 0"),
            ({"symbol": "AAPL", "action": "buy", "quantity": -5}, "quantity", "greater than 0"),
            ({"symbol": CALL, "action": "buy", "quantity": 1.5}, "quantity", "whole contracts"),
            (
                {"symbol": "AAPL", "action": "buy", "quantity": 1, "order_type": "limit"},
                "limit_price",
                "limit",
            ),
            (
                {"symbol": "AAPL", "action": "buy", "quantity": 1, "order_type": "limit", "limit_price": 0},
                "limit_price",
                "greater than 0",
            ),
            (
                {"symbol": "AAPL", "action": "buy", "quantity": 1, "order_type": "market", "limit_price": 5},
                "limit_price",
                "market",
            ),
            ({"symbol": "AAPL  251319C00150000", "action": "buy", "quantity": 1}, "symbol", "OCC"),
            ({"symbol": "AAPL 250620X00200000", "action": "buy", "quantity": 1}, "symbol", "OCC"),
            ({"symbol": "ZZZZ", "action": "buy", "quantity": 1}, "symbol", "Unknown symbol"),
            ({"symbol": "ZZZZ  250620C00200000", "action": "buy", "quantity": 1}, "symbol", "underlying"),
            ({"symbol": "AAPL", "action": "short", "quantity": 1}, "action", ""),
            ({"symbol": "AAPL", "action": "buy", "quantity": "ten"}, "quantity", ""),
        ],
    )
    def test_a_bad_trade_is_400_naming_it_and_nothing_is_written(
        self, auth_client, portfolio, trade, field, text
    ) -> None:
        trades = [{"symbol": "AAPL", "action": "buy", "quantity": 1}, trade]

        response = post(auth_client, {"portfolio_id": str(portfolio.id), "trades": trades, "format": "fix"})

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == [f"trades[1].{field}"], error
        assert text in error["details"][f"trades[1].{field}"][0], error
        assert not ExportRecord.objects.exists()

    def test_sells_of_one_symbol_add_up_against_the_holding(self, auth_client, portfolio) -> None:
        trades = [{"symbol": "AAPL", "action": "sell", "quantity": 60}] * 2

        response = post(auth_client, {"portfolio_id": str(portfolio.id), "trades": trades, "format": "csv"})

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == ["trades[1].quantity"]

    def test_every_bad_trade_is_listed(self, auth_client, known) -> None:
        trades = [
            {"symbol": "ZZZZ", "action": "buy", "quantity": 1},
            {"symbol": "AAPL", "action": "buy", "quantity": 1},
            {"symbol": "AAPL", "action": "buy", "quantity": 1, "order_type": "limit"},
        ]

        error = assert_error(post(auth_client, {"trades": trades, "format": "json"}), 400)

        assert set(error["details"]) == {"trades[0].symbol", "trades[2].limit_price"}
        assert error["message"].startswith("trades[")

    def test_without_a_portfolio_sells_are_not_checked_against_holdings(self, auth_client, known) -> None:
        response = post(
            auth_client, {"trades": [{"symbol": "AAPL", "action": "sell", "quantity": 1e6}], "format": "csv"}
        )

        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"trades": [], "format": "fix"}, "trades"),
            (
                {"trades": [{"symbol": "AAPL", "action": "buy", "quantity": 1}] * 1001, "format": "fix"},
                "trades",
            ),
            ({"trades": [{"symbol": "AAPL", "action": "buy", "quantity": 1}], "format": "xml"}, "format"),
            ({"trades": [{"symbol": "AAPL", "action": "buy", "quantity": 1}]}, "format"),
            ({"format": "fix"}, "trades"),
            ({"trades": [{"symbol": "AAPL", "action": "buy"}], "format": "fix"}, "trades[0].quantity"),
            (
                {
                    "trades": [{"symbol": "AAPL", "action": "buy", "quantity": 1}],
                    "format": "fix",
                    "broker": "a b",
                },
                "broker",
            ),
            (
                {
                    "trades": [{"symbol": "AAPL", "action": "buy", "quantity": 1}],
                    "format": "fix",
                    "portfolio_id": "x",
                },
                "portfolio_id",
            ),
        ],
    )
    def test_a_bad_body_is_400_naming_the_field(self, auth_client, known, body, field) -> None:
        error = assert_error(post(auth_client, body), 400, "VALIDATION_ERROR")

        assert field in error["details"], error
        assert not ExportRecord.objects.exists()

    def test_the_service_raises_the_same_errors(self, portfolio) -> None:
        with pytest.raises(ApplicationError) as raised:
            trades_export(
                trades=[{"symbol": "AAPL", "action": "sell", "quantity": 500}],
                format="csv",
                portfolio=portfolio,
            )

        assert list(raised.value.details) == ["trades[0].quantity"]


class TestAccess:
    def test_another_users_portfolio_is_404_and_nothing_is_written(
        self, client_for, other_user, portfolio
    ) -> None:
        body = {"portfolio_id": str(portfolio.id), "trades": TRADES[:1], "format": "fix"}

        response = post(client_for(other_user), body)

        assert_error(response, 404, "NOT_FOUND")
        assert portfolio.name not in response.content.decode()
        assert not ExportRecord.objects.exists()

    def test_without_a_token_401(self, api_client) -> None:
        assert_error(post(api_client, {"trades": TRADES[:1], "format": "fix"}), 401)

    def test_a_form_post_is_415(self, auth_client, known) -> None:
        response = auth_client.post(URL, {"format": "fix"})

        assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
