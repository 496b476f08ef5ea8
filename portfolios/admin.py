"""Staff admin for portfolios, positions and tags (django-unfold).

Positions go through the same rules as the API: the form runs
:func:`portfolios.services.position_fields_clean`, which validates, normalizes the symbol and
derives ``position_type`` and ``multiplier`` (read-only here). The portfolio page lists no editable
rows of its positions: its inline only adds new ones (an option by its OCC symbol), and a position
is edited on its own page. ``analytics.admin.portfolio`` extends this admin with the batch's
figures (NAV history, exposures, Greeks, risk, stress, positions with market value and P&L).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline

from portfolios.models import Portfolio, Position, Tag
from portfolios.onboarding.models import OnboardingUpload
from portfolios.services import POSITION_FIELDS, position_fields_clean
from portfolios.validation import tag_color_clean, tag_name_clean
from sigmasight.api.exceptions import ApplicationError

DERIVED_READONLY = ("position_type", "multiplier")


class PositionAdminForm(forms.ModelForm):
    """Validates a position with the API's rules and sets the derived fields on the instance."""

    class Meta:
        model = Position
        fields = ["portfolio", *POSITION_FIELDS, "tags"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "symbol" in self.fields:
            self.fields["symbol"].required = False  # built from the contract fields for options
            self.fields[
                "symbol"
            ].help_text = "Ticker, or OCC symbol; leave empty for an option given by its fields."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        raw = {name: cleaned.get(name) for name in POSITION_FIELDS if name in self.fields}
        try:
            values = position_fields_clean(raw)
        except ApplicationError as exc:
            for field, messages in exc.details.items():
                self.add_error(field if field in self.fields else None, messages)
            return cleaned
        for name, value in values.items():
            if name in self.fields:
                cleaned[name] = value
            else:
                setattr(self.instance, name, value)  # derived, read-only in the admin
        self._check_tag_owner(cleaned)
        return cleaned

    def _check_tag_owner(self, cleaned: dict[str, Any]) -> None:
        portfolio, tags = cleaned.get("portfolio") or self._parent_portfolio(), cleaned.get("tags")
        if portfolio is not None and tags is not None:
            foreign = [tag.name for tag in tags if tag.owner_id != portfolio.owner_id]
            if foreign:
                self.add_error("tags", f"Tags of another user: {', '.join(foreign)}.")

    def _parent_portfolio(self) -> Portfolio | None:
        return self.instance.portfolio if self.instance.portfolio_id else None


class PositionInline(TabularInline):
    """Adds positions to the portfolio (compact: an option is given by its OCC symbol); the
    existing ones are listed by the portfolio page and edited on their own page."""

    model = Position
    form = PositionAdminForm
    extra = 0
    verbose_name = "new position"
    verbose_name_plural = "Add positions"
    fields = ("symbol", "quantity", "entry_price", "entry_date", *DERIVED_READONLY)
    readonly_fields = DERIVED_READONLY
    collapsible = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Position]:
        return super().get_queryset(request).none()


@admin.register(Portfolio)
class PortfolioAdmin(ModelAdmin):
    list_display = ("name", "owner", "currency", "cash_balance", "position_count", "created_at")
    list_filter = ("currency", "created_at")
    search_fields = ("name", "owner__email")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    readonly_fields = ("id", "created_at", "updated_at")
    inlines = (PositionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Portfolio]:
        return super().get_queryset(request).annotate(_position_count=Count("positions"))

    @admin.display(description="positions", ordering="_position_count")
    def position_count(self, obj: Portfolio) -> int:
        return obj._position_count  # type: ignore[attr-defined]


@admin.register(Position)
class PositionAdmin(ModelAdmin):
    form = PositionAdminForm
    list_display = (
        "symbol",
        "position_type",
        "quantity",
        "multiplier",
        "entry_price",
        "entry_date",
        "exit_date",
        "portfolio",
    )
    list_filter = (
        "position_type",
        "option_type",
        ("portfolio__owner", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("symbol", "underlying_symbol")
    list_select_related = ("portfolio",)
    autocomplete_fields = ("portfolio", "tags")
    readonly_fields = ("id", *DERIVED_READONLY, "created_at", "updated_at")


class TagAdminForm(forms.ModelForm):
    """The API's name and color rules."""

    class Meta:
        model = Tag
        fields = ["owner", "name", "tag_type", "description", "color"]

    def clean_name(self) -> str:
        return _admin_clean(tag_name_clean, self.cleaned_data["name"])

    def clean_color(self) -> str:
        return _admin_clean(tag_color_clean, self.cleaned_data.get("color") or "")


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    form = TagAdminForm
    list_display = ("name", "tag_type", "owner", "color", "created_at")
    list_filter = ("tag_type",)
    search_fields = ("name", "owner__email")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    readonly_fields = ("id", "created_at", "updated_at")


def _admin_clean(rule: Any, value: str) -> str:
    try:
        return rule(value)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from None


@admin.register(OnboardingUpload)
class OnboardingUploadAdmin(ModelAdmin):
    """CSV uploads and their validation reports: read-only (the workflow writes them)."""

    list_display = ("filename", "owner", "status", "portfolio_name", "created_at")
    list_filter = ("status", "is_reimport")
    search_fields = ("filename", "portfolio_name", "owner__email")
    list_select_related = ("owner",)
    exclude = ("content",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
