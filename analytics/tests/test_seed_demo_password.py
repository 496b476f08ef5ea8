"""``seed_demo`` publishes no known password in production: demo users need an explicit request."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import User
from portfolios.demo import ADMIN_EMAIL, DEMO_PASSWORD


@pytest.mark.django_db
class TestSeedDemoUnderProduction:
    @override_settings(DEMO_USERS_NEED_CONSENT=True, SEED_DEMO_PASSWORD=None)
    def test_refuses_the_public_password_and_says_how_to_set_one(self):
        with pytest.raises(CommandError, match="SEED_DEMO_PASSWORD") as raised:
            call_command("seed_demo", "--no-batch", stdout=io.StringIO())

        assert "--allow-demo-users" in str(raised.value)
        assert not User.objects.exists()

    @override_settings(DEMO_USERS_NEED_CONSENT=True, SEED_DEMO_PASSWORD="A-strong-0wn-passw0rd")
    def test_uses_the_password_from_the_environment_and_does_not_print_it(self):
        out = io.StringIO()
        call_command("seed_demo", "--no-batch", stdout=out)

        staff = User.objects.get(email=ADMIN_EMAIL)
        assert staff.check_password("A-strong-0wn-passw0rd")
        assert not staff.check_password(DEMO_PASSWORD)
        assert "A-strong-0wn-passw0rd" not in out.getvalue()

    @override_settings(DEMO_USERS_NEED_CONSENT=True, SEED_DEMO_PASSWORD=None)
    def test_allow_demo_users_accepts_the_public_password(self):
        call_command("seed_demo", "--no-batch", "--allow-demo-users", stdout=io.StringIO())

        assert User.objects.get(email=ADMIN_EMAIL).check_password(DEMO_PASSWORD)

    @override_settings(DEMO_USERS_NEED_CONSENT=False, SEED_DEMO_PASSWORD=None)
    def test_elsewhere_the_demo_password_stays(self):
        call_command("seed_demo", "--no-batch", stdout=io.StringIO())

        assert User.objects.get(email=ADMIN_EMAIL).check_password(DEMO_PASSWORD)
