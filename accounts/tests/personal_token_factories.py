"""Factory for personal access tokens (the secret is not kept: use ``personal_token_create``
in tests that need to authenticate with one)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import PersonalAccessToken
from accounts.personal_tokens import TOKEN_PREFIX, token_hash
from accounts.tests.factories import UserFactory


class PersonalAccessTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalAccessToken

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    scope = "read"
    token_hash = factory.Sequence(lambda n: token_hash(f"{TOKEN_PREFIX}factory{n}"))
    prefix = TOKEN_PREFIX + "fact"
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=90))
