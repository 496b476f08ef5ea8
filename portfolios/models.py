"""Portfolios, positions and tags.

Conventions (DESIGN.md): ``quantity`` is signed (negative = short; contracts for options);
``multiplier`` is 1 for stocks/ETFs/funds and 100 for listed options; prices are per share.
``position_type`` is derived from the sign and the instrument, never trusted from input.
A position is held on day d when ``entry_date <= d < exit_date`` (or it has no exit).

The onboarding upload models live in :mod:`portfolios.onboarding.models` and are imported here so
that Django registers them with this app.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from portfolios.onboarding.models import OnboardingStatus, OnboardingUpload

__all__ = [
    "OPTION_TYPES",
    "Currency",
    "OnboardingStatus",
    "OnboardingUpload",
    "OptionType",
    "Portfolio",
    "Position",
    "PositionType",
    "Tag",
    "TagType",
]


class Currency(models.TextChoices):
    USD = "USD", "US dollar"


class Portfolio(models.Model):
    """A book owned by one user. ``cash_balance`` is a real stored number (USD)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolios")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    cash_balance = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "name"]
        indexes = [models.Index(fields=["owner", "name"])]

    def __str__(self) -> str:
        return self.name


class TagType(models.TextChoices):
    REGULAR = "regular"
    STRATEGY = "strategy"


class Tag(models.Model):
    """A user's label for positions; ``strategy`` tags group the legs of a strategy."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=100)
    tag_type = models.CharField(max_length=16, choices=TagType.choices, default=TagType.REGULAR)
    description = models.TextField(blank=True, default="")
    color = models.CharField(max_length=7, blank=True, default="", help_text="#RRGGBB")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="tag_unique_name_per_owner")]

    def __str__(self) -> str:
        return self.name


class PositionType(models.TextChoices):
    LONG = "LONG", "Long stock"
    SHORT = "SHORT", "Short stock"
    LC = "LC", "Long call"
    LP = "LP", "Long put"
    SC = "SC", "Short call"
    SP = "SP", "Short put"


OPTION_TYPES = frozenset({PositionType.LC, PositionType.LP, PositionType.SC, PositionType.SP})


class OptionType(models.TextChoices):
    CALL = "call"
    PUT = "put"


class Position(models.Model):
    """One lot. Options store their OCC symbol in ``symbol`` and the parsed contract fields."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="positions")
    symbol = models.CharField(max_length=32, db_index=True)
    position_type = models.CharField(max_length=5, choices=PositionType.choices)
    quantity = models.DecimalField(max_digits=20, decimal_places=6)
    multiplier = models.PositiveIntegerField(default=1)
    entry_price = models.DecimalField(max_digits=20, decimal_places=6)
    entry_date = models.DateField()
    exit_price = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    exit_date = models.DateField(null=True, blank=True)
    underlying_symbol = models.CharField(max_length=16, blank=True, default="", db_index=True)
    option_type = models.CharField(max_length=4, choices=OptionType.choices, blank=True, default="")
    strike_price = models.DecimalField(max_digits=20, decimal_places=3, null=True, blank=True)
    expiration_date = models.DateField(null=True, blank=True)
    implied_volatility = models.FloatField(
        null=True, blank=True, help_text="Annualized, decimal (0.25 = 25%)."
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="positions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol", "entry_date"]
        indexes = [models.Index(fields=["portfolio", "symbol", "entry_date"])]

    def __str__(self) -> str:
        return f"{self.symbol} {self.quantity}"

    @property
    def is_option(self) -> bool:
        return self.position_type in OPTION_TYPES
