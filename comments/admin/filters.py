"""List filters of the comment and tag admins that need more than a field name."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comments.models import Comment, Tag


class ReviewFilter(admin.BooleanFieldListFilter):
    """The needs_review filter, titled as curators say it ("Por revisão")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = gettext("revisão")


class BackendFilter(admin.SimpleListFilter):
    """Fixed choices: listing the distinct values of the column would scan the whole table."""

    title = _("backend")
    parameter_name = "classifier_backend"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("local", gettext("Local (offline)")), ("gemini", gettext("Gemini"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        value = self.value()
        return queryset.filter(classifier_backend=value) if value else queryset


class MergedFilter(admin.SimpleListFilter):
    title = _("situação")
    parameter_name = "mesclada"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("nao", gettext("Canônica")), ("sim", gettext("Mesclada em outra"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tag]) -> QuerySet[Tag]:
        if self.value() in {"sim", "nao"}:
            return queryset.filter(merged_into__isnull=self.value() == "nao")
        return queryset
