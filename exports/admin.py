"""Admin of the exports app (reports and schedules: :mod:`exports.admin_reports`)."""

from exports import admin_reports  # noqa: F401 - registers the report and schedule admins
