"""Modeling sessions and their what-if trades (API.md "/modeling").

A session is a copy-on-write view of one portfolio as of its last batch date (``as_of_date``): the
real positions are read as they are held on that date and the session's trades are laid over them;
nothing of the portfolio changes until the session is saved with ``apply``. ``trades_revision``
counts the changes of the trade list; ``calculated_revision`` is the revision the stored
``results`` were computed for (impacts answer 409 while they differ).

Trade conventions: ``quantity`` signed (shares, or contracts for options; negative sells or goes
short); ``price`` USD per share (per share of the contract for options), the last close on the
as-of date unless given, or the model price for an option without a bar (``price_source``);
``multiplier`` 1 or 100; cost = quantity x price x multiplier (cash moves by minus the cost).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

__all__ = ["ModelingSession", "ModelingTrade", "SessionStatus", "TradePriceSource"]


class SessionStatus(models.TextChoices):
    ACTIVE = "active"
    SAVED = "saved"
    APPLIED = "applied"
    CANCELLED = "cancelled"


#: Statuses in which a session is read-only (409 on any change).
READ_ONLY_STATUSES = frozenset({SessionStatus.APPLIED, SessionStatus.CANCELLED})


class TradePriceSource(models.TextChoices):
    GIVEN = "given"
    CLOSE = "close"
    MODEL = "model"


class ModelingSession(models.Model):
    """A what-if session on one portfolio; ``results`` holds the last calculation (raw floats)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="modeling_sessions"
    )
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="modeling_sessions"
    )
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.ACTIVE)
    as_of_date = models.DateField(help_text="The portfolio's last batch date the session models.")
    trades_revision = models.PositiveIntegerField(default=0)
    calculated_revision = models.PositiveIntegerField(null=True, blank=True)
    calculated_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True, help_text="Figures before / after the trades.")
    saved_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "analytics"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "portfolio", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def read_only(self) -> bool:
        return self.status in READ_ONLY_STATUSES


class ModelingTrade(models.Model):
    """One what-if trade of a session (validated like a position; see the module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(ModelingSession, on_delete=models.CASCADE, related_name="trades")
    sequence = models.PositiveIntegerField(help_text="Order in which the trades are applied.")
    symbol = models.CharField(max_length=32, help_text="Stock symbol or padded OCC symbol.")
    position_type = models.CharField(max_length=5, help_text="The type of a lot this trade opens.")
    quantity = models.DecimalField(max_digits=20, decimal_places=6)
    multiplier = models.PositiveIntegerField(default=1)
    price = models.FloatField(help_text="USD per share.")
    price_source = models.CharField(max_length=8, choices=TradePriceSource.choices)
    action = models.CharField(max_length=16, blank=True, default="")
    tag = models.CharField(max_length=100, blank=True, default="")
    underlying_symbol = models.CharField(max_length=16, blank=True, default="")
    option_type = models.CharField(max_length=4, blank=True, default="")
    strike_price = models.DecimalField(max_digits=20, decimal_places=3, null=True, blank=True)
    expiration_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "analytics"
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sequence"], name="modeling_trade_unique_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.quantity} @ {self.price}"

    @property
    def is_option(self) -> bool:
        return bool(self.option_type)
