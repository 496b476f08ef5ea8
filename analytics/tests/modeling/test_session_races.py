"""A session deleted (with its portfolio) by a concurrent request between the owner check and the
write is a 404, not a 500 (the fuzzer's concurrent DELETEs hit it: ``DoesNotExist`` escaped)."""

from __future__ import annotations

import pytest

from analytics.modeling import services
from analytics.models import ModelingSession
from analytics.tests.modeling_factories import ModelingSessionFactory, ModelingTradeFactory
from sigmasight.api.exceptions import NotFound


@pytest.fixture
def gone() -> ModelingSession:
    """A session read by the view, whose row another request has deleted since."""
    trade = ModelingTradeFactory()
    session = trade.session
    ModelingSession.objects.filter(pk=session.pk).delete()
    session.trade_id = trade.pk  # type: ignore[attr-defined]
    return session


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        lambda s: services.session_cancel(session=s),
        lambda s: services.session_trade_delete(session=s, trade_id=s.trade_id),
        lambda s: services.session_trades_add(
            session=s, trades=[{"symbol": "AAPL", "action": "buy", "quantity": 1}]
        ),
        lambda s: services.session_save(session=s),
    ],
    ids=["cancel", "trade_delete", "trades_add", "save"],
)
def test_a_write_on_a_session_deleted_meanwhile_is_not_found(gone, write):
    with pytest.raises(NotFound):
        write(gone)


@pytest.mark.django_db
def test_a_live_session_is_still_cancelled():
    session = ModelingSessionFactory()
    assert services.session_cancel(session=session).status == "cancelled"
