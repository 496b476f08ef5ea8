"""Every registered admin loads for staff: changelist (plain and searched) and add page."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def superuser(db) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(superuser: User) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[m._meta.label for m, _ in ADMINS])
class TestAdminPages:
    def test_changelist_loads(self, admin_client, model, model_admin):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

        assert admin_client.get(url).status_code == 200
        if model_admin.search_fields:
            assert admin_client.get(url, {"q": "zzz"}).status_code == 200

    def test_add_page_loads_unless_read_only(self, admin_client, superuser, model, model_admin):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        request = RequestFactory().get(url)
        request.user = superuser

        expected = 200 if model_admin.has_add_permission(request) else 403
        assert admin_client.get(url).status_code == expected


@pytest.mark.django_db
class TestUserAdmin:
    def test_staff_can_add_a_user_with_a_password(self, admin_client):
        response = admin_client.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "New.Person@Example.com",
                "full_name": "New Person",
                "usable_password": "true",
                "password1": "Un1que-enough!",
                "password2": "Un1que-enough!",
            },
        )

        assert response.status_code == 302, response.content[:2000]
        user = User.objects.get(email="new.person@example.com")
        assert user.check_password("Un1que-enough!")

    def test_change_page_loads(self, admin_client, user):
        assert admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).status_code == 200

    def test_non_staff_cannot_enter(self, user):
        client = Client()
        client.force_login(user)

        assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302
