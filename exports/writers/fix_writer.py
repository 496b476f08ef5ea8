"""Orders -> FIX 4.4 NewOrderSingle (35=D) messages, one per order, each followed by a newline.

simplefix encodes each message: fields separated by SOH (``\\x01``), BeginString(8) first, then
BodyLength(9) and CheckSum(10) computed over the bytes. Header: SenderCompID(49), TargetCompID(56),
MsgSeqNum(34, 1.. within the file), SendingTime(52, UTC). Body:

- ClOrdID(11) the order's unique id, HandlInst(21) 1 (automated, no broker intervention),
  Side(54) 1 buy / 2 sell / 5 sell short / 1 buy to cover, OrderQty(38), OrdType(40) 1 market /
  2 limit with Price(44), TimeInForce(59) 0 (day), TransactTime(60) in UTC with milliseconds.
- Stocks: Symbol(55) the ticker, SecurityType(167) CS.
- Options: Symbol(55) the underlying root, SecurityType(167) OPT, MaturityMonthYear(200) YYYYMM,
  MaturityDate(541) YYYYMMDD, StrikePrice(202), PutOrCall(201) 0 put / 1 call, the OCC symbol in
  SecurityID(48) with SecurityIDSource(22) 8 (exchange symbol), and OpenClose(77) O for buy /
  sell short, C for sell / buy to cover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import simplefix

from portfolios.occ import OCCContract

__all__ = ["FIX_SIDES", "FixOrder", "fix_order_message", "fix_orders_bytes"]

FIX_VERSION = "FIX.4.4"
#: Side(54) of each trade action (buy to cover is a buy that closes a short).
FIX_SIDES: dict[str, str] = {"buy": "1", "sell": "2", "sell_short": "5", "buy_to_cover": "1"}
FIX_ORD_TYPES: dict[str, str] = {"market": "1", "limit": "2"}
_OPEN_CLOSE: dict[str, str] = {"buy": "O", "sell_short": "O", "sell": "C", "buy_to_cover": "C"}


@dataclass(frozen=True)
class FixOrder:
    """One order: ``symbol`` ticker or OCC symbol (``option`` its contract), ``quantity`` > 0."""

    client_order_id: str
    symbol: str
    action: str
    quantity: Decimal
    order_type: str
    limit_price: Decimal | None
    option: OCCContract | None


def _number(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros (``100``, ``12.5``)."""
    return f"{value.normalize():f}"


def fix_order_message(
    order: FixOrder, *, sender: str, target: str, seq: int, transact_time: dt.datetime
) -> simplefix.FixMessage:
    """The NewOrderSingle of ``order`` (not yet encoded)."""
    msg = simplefix.FixMessage()
    msg.append_pair(8, FIX_VERSION, header=True)
    msg.append_pair(35, "D", header=True)
    msg.append_pair(49, sender, header=True)
    msg.append_pair(56, target, header=True)
    msg.append_pair(34, seq, header=True)
    msg.append_utc_timestamp(52, transact_time, precision=3, header=True)
    msg.append_pair(11, order.client_order_id)
    msg.append_pair(21, "1")
    option = order.option
    if option is None:
        msg.append_pair(55, order.symbol)
        msg.append_pair(167, "CS")
    else:
        msg.append_pair(55, option.underlying)
        msg.append_pair(48, order.symbol)
        msg.append_pair(22, "8")
        msg.append_pair(167, "OPT")
        msg.append_pair(200, option.expiration.strftime("%Y%m"))
        msg.append_pair(541, option.expiration.strftime("%Y%m%d"))
        msg.append_pair(201, "1" if option.option_type == "call" else "0")
        msg.append_pair(202, _number(option.strike))
        msg.append_pair(77, _OPEN_CLOSE[order.action])
    msg.append_pair(54, FIX_SIDES[order.action])
    msg.append_pair(38, _number(order.quantity))
    msg.append_pair(40, FIX_ORD_TYPES[order.order_type])
    if order.order_type == "limit" and order.limit_price is not None:
        msg.append_pair(44, _number(order.limit_price))
    msg.append_pair(59, "0")
    msg.append_utc_timestamp(60, transact_time, precision=3)
    return msg


def fix_orders_bytes(
    orders: Iterable[FixOrder], *, sender: str, target: str, transact_time: dt.datetime
) -> bytes:
    """The encoded messages of ``orders`` (MsgSeqNum 1, 2, ...), each followed by ``\\n``."""
    return b"".join(
        fix_order_message(order, sender=sender, target=target, seq=seq, transact_time=transact_time).encode()
        + b"\n"
        for seq, order in enumerate(orders, start=1)
    )
