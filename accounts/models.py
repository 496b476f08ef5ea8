"""The user: logs in by email (``USERNAME_FIELD = "email"``), UUID primary key."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A SigmaSight user. Owns portfolios, tags, jobs, reports and modeling sessions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True, default="")
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = ["full_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class UICommandAction(models.TextChoices):
    """What an agent asks the user's frontend to do."""

    NAVIGATE = "navigate"
    HIGHLIGHT = "highlight"
    FILTER = "filter"


class UICommand(models.Model):
    """A UI instruction recorded for one user's frontend (agent-driven UI sync).

    An agent posts it (``/system/ui/navigate|highlight|filter``); the frontend polls
    ``/system/ui/commands`` and receives each pending command once (``delivered_at`` is then set).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="ui_commands")
    action = models.CharField(max_length=16, choices=UICommandAction.choices)
    target = models.CharField(max_length=200, help_text="What to act on: a route, a widget, a symbol...")
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["owner", "delivered_at", "created_at"], name="uicommand_pending")]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"
