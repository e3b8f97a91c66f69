"""Admin plumbing shared by the apps' admins: the curator role's rights."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst


class CuratorPermissionsMixin:
    """Grant curators (group `curadores` and staff) the admin rights in `curator_rights`.

    The role is the group, not per-model permission rows, so a new curator needs nothing but
    the group; explicit Django permissions (superusers) still apply on top.
    """

    curator_rights: frozenset[str] = frozenset({"view"})

    def _curator_may(self, request: HttpRequest, right: str) -> bool:
        user = request.user
        return right in self.curator_rights and bool(getattr(user, "is_curator", False))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or self._curator_may(request, "view")  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_view_permission(request, obj)  # type: ignore[misc]
        return allowed or self._curator_may(request, "view")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        allowed = super().has_add_permission(request, *args)  # type: ignore[misc]
        return allowed or self._curator_may(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed or self._curator_may(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed or self._curator_may(request, "delete")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Django titles every list "Selecione <model> para visualizar"; a console names its page.
        title = capfirst(self.opts.verbose_name_plural)  # type: ignore[attr-defined]
        extra = {"title": title, **(extra_context or {})}
        return super().changelist_view(request, extra)  # type: ignore[misc]
