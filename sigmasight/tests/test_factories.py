"""Every concrete model of the project's apps has a factory_boy factory, and every factory (plain
and with each of its traits) builds a valid saved instance.

Factories are found in the ``*factories`` modules of each app's ``tests`` package, so a new model
without a factory, or a factory whose defaults break a constraint, fails here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import factory
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

PROJECT_APPS = [
    config
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in Path(config.path).parts
]


def _factory_modules() -> Iterator[ModuleType]:
    for config in PROJECT_APPS:
        try:
            tests = importlib.import_module(f"{config.name}.tests")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.walk_packages(tests.__path__, prefix=f"{tests.__name__}."):
            if info.name.rsplit(".", 1)[-1].endswith("factories"):
                yield importlib.import_module(info.name)


def _factories() -> list[type[factory.django.DjangoModelFactory]]:
    found = {
        obj
        for module in _factory_modules()
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, factory.django.DjangoModelFactory)
        and obj.__module__ == module.__name__
        and obj._meta.model is not None
    }
    return sorted(found, key=lambda f: f"{f.__module__}.{f.__name__}")


FACTORIES = _factories()
MODELS = sorted(
    (model for config in PROJECT_APPS for model in config.get_models() if not model._meta.proxy),
    key=lambda model: model._meta.label,
)
CASES = [
    (factory_class, trait)
    for factory_class in FACTORIES
    for trait in [
        None,
        *sorted(
            name
            for name, declaration in factory_class._meta.parameters.items()
            if isinstance(declaration, factory.Trait)
        ),
    ]
]


def test_the_project_apps_are_found() -> None:
    assert {"accounts", "portfolios", "marketdata", "analytics"} <= {c.label for c in PROJECT_APPS}
    assert len(MODELS) >= 20


def test_every_model_has_a_factory() -> None:
    covered = {f._meta.model for f in FACTORIES}

    missing = [model._meta.label for model in MODELS if model not in covered]

    assert missing == [], f"models without a factory in <app>/tests/*factories.py: {missing}"


def _stored_empties(instance: models.Model) -> list[str]:
    """Fields holding an empty value the schema allows: null in a nullable column, an empty JSON
    document (the models' ``default=dict`` / ``list``). The engines store them; only Django's
    form-level "blank" check would reject them, so full_clean skips those fields."""
    return [
        field.name
        for field in instance._meta.fields
        if (value := getattr(instance, field.attname)) in field.empty_values
        and ((value is None and field.null) or isinstance(field, models.JSONField))
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "trait"),
    CASES,
    ids=[f"{f.__name__}-{trait or 'default'}" for f, trait in CASES],
)
def test_the_factory_builds_a_valid_saved_instance(factory_class, trait: str | None) -> None:  # type: ignore[no-untyped-def]
    # given / when
    instance = factory_class(**({trait: True} if trait else {}))

    # then: it is stored, reads back, and passes the model's validation
    assert isinstance(instance, factory_class._meta.model)
    assert type(instance)._default_manager.filter(pk=instance.pk).exists()
    instance.refresh_from_db()
    instance.full_clean(exclude=_stored_empties(instance))


@pytest.mark.django_db
def test_two_instances_of_every_factory_can_coexist() -> None:
    """Defaults never collide on a unique key (sequences, new parents)."""
    for factory_class in FACTORIES:
        first, second = factory_class.create_batch(2)
        assert first.pk != second.pk, factory_class.__name__
