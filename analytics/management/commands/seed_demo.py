"""manage.py seed_demo [--reset] [--as-of DATE] [--no-batch] [--allow-demo-users]

Creates the demo users and portfolios, loads their market data, and runs the batch so every
endpoint answers at once. Running it twice changes nothing; ``--reset`` rebuilds the demo.

The demo users' password is ``SEED_DEMO_PASSWORD`` when set, else the public demo password. Under
the production settings (``DEMO_USERS_NEED_CONSENT``) the command refuses to create users with the
public password unless ``--allow-demo-users`` is given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from analytics.models import PortfolioAggregate
from marketdata.providers.registry import get_provider, market_as_of
from portfolios.demo import DEMO_PASSWORD, DemoDataError, demo_emails, demo_seed
from portfolios.models import Portfolio


class Command(BaseCommand):
    help = "Seed the three demo users and portfolios, their market data and a batch run (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo users' data.")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--no-batch", action="store_true", help="Skip market data and the batch run.")
        parser.add_argument(
            "--allow-demo-users",
            action="store_true",
            help="Create the demo users with the public demo password even under the production settings.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        password = settings.SEED_DEMO_PASSWORD
        if password is None and settings.DEMO_USERS_NEED_CONSENT and not opts["allow_demo_users"]:
            raise CommandError(
                "Refusing to create the demo users (staff included) with the public demo password under "
                "the production settings. Set SEED_DEMO_PASSWORD to a strong password of your own, or "
                "pass --allow-demo-users to accept the public one."
            )
        as_of = opts["as_of"] or market_as_of()
        try:
            counts = demo_seed(
                as_of=as_of, provider=get_provider(), reset=opts["reset"], password=password or DEMO_PASSWORD
            )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        shown = "from SEED_DEMO_PASSWORD" if password else DEMO_PASSWORD
        self.stdout.write(
            f"Demo as of {as_of}: {counts['users']} users, {counts['portfolios']} portfolios, "
            f"{counts['positions']} positions created (password {shown})."
        )
        if opts["no_batch"]:
            return
        ids = [
            str(p)
            for p in Portfolio.objects.filter(owner__email__in=demo_emails()).values_list("id", flat=True)
        ]
        done = PortfolioAggregate.objects.filter(portfolio_id__in=ids, as_of_date=as_of).count()
        if done == len(ids) and not opts["reset"] and not counts["positions"]:
            self.stdout.write(f"Batch results for {as_of} already exist: nothing to do.")
            return
        args_ = ["--as-of", as_of.isoformat()]
        for pid in ids:
            args_ += ["--portfolio", pid]
        call_command("run_batch", *args_, stdout=self.stdout)
