"""The report templates: which sections each one holds and in which formats it renders.

Section ids are the keys of the JSON report's ``sections`` and the first column of the CSV report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exports.models import ReportFormat, ReportTemplate

#: Every section, in report order, with its title (as printed in the PDF/HTML).
SECTION_TITLES: dict[str, str] = {
    "overview": "Overview",
    "positions": "Positions",
    "exposures": "Exposures by type, sector and tag",
    "greeks": "Options Greeks by underlying",
    "factors": "Factor exposures",
    "correlations": "Correlations",
    "risk_contributions": "Risk contributions",
    "stress_tests": "Stress tests",
    "var": "Value at Risk and expected shortfall",
    "performance": "Performance",
}


@dataclass(frozen=True)
class TemplateSpec:
    id: str
    name: str
    description: str
    sections: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "formats": [f.value for f in ReportFormat],
            "sections": list(self.sections),
        }


TEMPLATES: dict[str, TemplateSpec] = {
    ReportTemplate.RISK_SUMMARY.value: TemplateSpec(
        id=ReportTemplate.RISK_SUMMARY.value,
        name="Risk summary",
        description=(
            "Two pages: NAV, exposures (market value and delta-adjusted), Greeks, factor exposures, "
            "VaR/ES and the worst stress scenarios."
        ),
        sections=("overview", "exposures", "greeks", "factors", "var", "stress_tests"),
    ),
    ReportTemplate.PERFORMANCE.value: TemplateSpec(
        id=ReportTemplate.PERFORMANCE.value,
        name="Performance",
        description=(
            "Time-weighted returns by period against the benchmark, risk-adjusted statistics, NAV "
            "and drawdown charts."
        ),
        sections=("overview", "performance"),
    ),
    ReportTemplate.FULL.value: TemplateSpec(
        id=ReportTemplate.FULL.value,
        name="Full risk report",
        description=(
            "The morning risk pack: cover with the conventions, overview, positions, exposures by "
            "type/sector/tag, Greeks, factor exposures, correlation heatmap, stress tests, VaR/ES by "
            "method and confidence, risk contributions, NAV/drawdown and performance statistics."
        ),
        sections=tuple(SECTION_TITLES),
    ),
}


def template_list() -> list[dict[str, Any]]:
    """``GET /export/reports/templates``: every template with its formats and sections."""
    return [spec.as_dict() for spec in TEMPLATES.values()]
