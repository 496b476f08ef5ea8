"""Issue "Foundation" must-show, as a new user would: the demo seeds, logs in, lists its book."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from portfolios.models import Portfolio, Position

pytestmark = pytest.mark.django_db


@override_settings(SYNTHETIC_AS_OF="2026-11-20", MARKET_DATA_PROVIDER="synthetic")
def test_hedge_fund_demo_user_logs_in_and_lists_its_30_positions(api_client):
    call_command("seed_demo", "--no-batch")

    login = api_client.post(
        "/api/v1/auth/login",
        {"email": "demo_hedgefundstyle@sigmasight.com", "password": "demo12345"},
        format="json",
    )
    assert login.status_code == 200
    tokens = login.json()
    assert tokens["token_type"] == "bearer" and tokens["access_token"] and tokens["refresh_token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    me = api_client.get("/api/v1/auth/me").json()
    assert [p["name"] for p in me["portfolios"]] == ["Demo Hedge Fund Style Investor Portfolio"]

    pid = me["portfolios"][0]["id"]
    page = api_client.get(f"/api/v1/management/positions?portfolio_id={pid}&limit=100").json()
    assert page["count"] == 30
    types = Counter(p["position_type"] for p in page["results"])
    assert types["LC"] + types["LP"] + types["SC"] + types["SP"] == 8
    assert types["SHORT"] == 9
    options = [p for p in page["results"] if p["position_type"] in ("LC", "LP", "SC", "SP")]
    assert all(len(p["symbol"]) == 21 and p["multiplier"] == 100 for p in options)


@override_settings(SYNTHETIC_AS_OF="2026-11-20", MARKET_DATA_PROVIDER="synthetic")
def test_seed_demo_twice_changes_nothing_and_reset_rebuilds():
    call_command("seed_demo", "--no-batch")
    before = (User.objects.count(), Portfolio.objects.count(), Position.objects.count())
    assert before == (4, 3, 63)
    call_command("seed_demo", "--no-batch")
    assert (User.objects.count(), Portfolio.objects.count(), Position.objects.count()) == before
    hnw = Portfolio.objects.get(owner__email="demo_hnw@sigmasight.com")
    assert float(hnw.cash_balance) == 85500.0
    old_ids = set(Position.objects.values_list("id", flat=True))
    call_command("seed_demo", "--no-batch", "--reset")
    assert Position.objects.count() == 63
    assert not old_ids & set(Position.objects.values_list("id", flat=True))
