"""The custom user: e-mail is the login; roles are the groups `curadores` and `clientes_api`."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.revocation import stored_tokens_revoke

CURATORS_GROUP = "curadores"
API_CLIENTS_GROUP = "clientes_api"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail"), unique=True)
    # Carried by every JWT issued; bumping it (logout, password change) revokes them all.
    token_version = models.PositiveIntegerField(_("versão dos tokens"), default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("usuário")
        verbose_name_plural = _("usuários")

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a password set on an existing account also revokes every token it holds: JWTs
        (access and refresh) and DRF token keys.

        `_password` is set by `set_password` and cleared by Django's silent hash upgrade at
        login, so only a real change revokes anything.
        """
        password_changed = self.pk is not None and getattr(self, "_password", None) is not None
        if password_changed:
            self.token_version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "token_version"}
        super().save(*args, **kwargs)
        if password_changed:
            stored_tokens_revoke(user_id=self.pk)

    @property
    def is_curator(self) -> bool:
        """Curators and staff see every comment; API clients only their own."""
        if self.is_staff or self.is_superuser:
            return True
        return self.groups.filter(name=CURATORS_GROUP).exists()
