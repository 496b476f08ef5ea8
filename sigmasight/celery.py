"""The Celery app. Without CELERY_BROKER_URL tasks run eagerly in-process (same code path)."""

import os
from typing import Any

from celery import Celery, current_app
from celery.canvas import Signature

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigmasight.settings.local")

app = Celery("sigmasight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task_registered(name: str) -> bool:
    """Whether a task named ``name`` is registered; the apps' tasks modules are imported first when
    it is not yet (a by-name lookup must not depend on who imported what before)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return name in current_app.tasks


def task_signature(name: str, *args: Any, **kwargs: Any) -> Signature:
    """An immutable signature (``.si``) of the task registered as ``name``, built without importing
    the module that defines it.

    The apps' tasks modules are imported first when ``name`` is not registered yet, so that the
    signature runs the task in-process in eager mode (an unknown name would be sent to the broker).
    """
    task_registered(name)
    return current_app.signature(name, args=args, kwargs=kwargs, immutable=True)
