"""The embedded default: SQLite, eager tasks, synthetic market data, debug on."""

from sigmasight.settings import env
from sigmasight.settings.base import *  # noqa: F403

DEBUG = True if env.DEBUG is None else env.DEBUG
