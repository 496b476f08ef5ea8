"""The console's "Generate the full PDF risk report" action on portfolios (exports' admin)."""

from __future__ import annotations

import pytest

from exports.models import Report
from portfolios.tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db


def test_the_action_queues_a_full_pdf_report_per_selected_portfolio(
    client, staff_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    books = [PortfolioFactory(), PortfolioFactory()]

    with django_capture_on_commit_callbacks(execute=True):  # the report runs after commit (eager)
        response = client.post(
            "/admin/portfolios/portfolio/",
            {"action": "generate_full_report", "_selected_action": [str(p.pk) for p in books]},
            follow=True,
        )

    assert response.status_code == 200
    reports = Report.objects.filter(portfolio__in=books)
    assert reports.count() == 2
    assert {(r.template, r.format) for r in reports} == {("full", "pdf")}
    assert {r.owner_id for r in reports} == {p.owner_id for p in books}
    # no batch results for these books: each report fails with the API's 422 reason, no file
    assert all(r.status == "failed" and "INSUFFICIENT_DATA" in r.error and not r.file for r in reports)
    assert b"queued" in response.content
