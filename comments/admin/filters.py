"""List filters of the comment and tag admins that need more than a field name.

Every filter offers fixed choices or a typed value: listing the distinct values of a column
would scan a million rows on each page view.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comments.models import Comment, Tag, TagOrigin


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("precisa de revisão")
    parameter_name = "na_fila"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("sim", gettext("Sim, na fila")), ("nao", gettext("Não"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        if self.value() in {"sim", "nao"}:
            return queryset.filter(needs_review=self.value() == "sim")
        return queryset


class ReviewedFilter(admin.SimpleListFilter):
    title = _("revisado por curador")
    parameter_name = "revisado"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("sim", gettext("Sim")), ("nao", gettext("Não"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        if self.value() in {"sim", "nao"}:
            return queryset.filter(reviewed_at__isnull=self.value() == "nao")
        return queryset


CONFIDENCE_BANDS = {
    "0-40": (0.0, 0.4, _("abaixo de 40 %")),
    "40-60": (0.4, 0.6, _("de 40 % a 60 %")),
    "60-80": (0.6, 0.8, _("de 60 % a 80 %")),
    "80-100": (0.8, 1.01, _("80 % ou mais")),
}


class ConfidenceFilter(admin.SimpleListFilter):
    title = _("confiança")
    parameter_name = "confianca"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(key, label) for key, (_low, _high, label) in CONFIDENCE_BANDS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        band = CONFIDENCE_BANDS.get(self.value() or "")
        if band is None:
            return queryset
        return queryset.filter(confidence__gte=band[0], confidence__lt=band[1])


class BackendFilter(admin.SimpleListFilter):
    title = _("classificador")
    parameter_name = "classificador"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("local", gettext("Modelo local (offline)")),
            ("gemini", gettext("Gemini · %s") % settings.GEMINI_MODEL),
            ("humano", gettext("Categoria dada por curador")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        value = self.value()
        if value == "humano":
            return queryset.filter(category_set_by_human=True)
        if value == "gemini":
            return queryset.filter(
                classifier_backend="gemini", classifier_model=settings.GEMINI_MODEL
            )
        return queryset.filter(classifier_backend=value) if value else queryset


class TagFilter(admin.SimpleListFilter):
    """The taxonomy's canonical tags; other codes are reached from the tag page's counts."""

    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tags = Tag.objects.filter(merged_into__isnull=True, origin=TagOrigin.TAXONOMY)
        return [(tag.code, tag.code) for tag in tags.order_by("code")[:60]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        code = self.value()
        return queryset.filter(comment_tags__tag__code=code) if code else queryset


class ReceivedRangeFilter(admin.ListFilter):
    """Two dates (from, to, inclusive) typed by the curator; served by the received_at index."""

    title = _("período de recebimento")
    template = "admin/comments/date_range_filter.html"
    parameters = ("recebido_de", "recebido_ate")

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.values: dict[str, str] = {}
        for name in self.parameters:
            if name in params:
                raw = params.pop(name)
                self.values[name] = raw[-1] if isinstance(raw, list) else raw
        self.request = request

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return list(self.parameters)

    def choices(self, changelist: Any) -> Any:
        keep = {
            k: v for k, v in changelist.get_filters_params().items() if k not in self.parameters
        }
        yield {
            "values": self.values,
            "keep": keep,
            "query_string": changelist.get_query_string(remove=list(self.parameters)),
        }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        start = parse_date(self.values.get("recebido_de", "") or "")
        end = parse_date(self.values.get("recebido_ate", "") or "")
        zone = timezone.get_current_timezone()
        if start:
            queryset = queryset.filter(received_at__gte=datetime.combine(start, time.min, zone))
        if end:
            queryset = queryset.filter(received_at__lte=datetime.combine(end, time.max, zone))
        return queryset


class MergedFilter(admin.SimpleListFilter):
    title = _("situação")
    parameter_name = "mesclada"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("nao", gettext("Canônica")), ("sim", gettext("Mesclada em outra"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tag]) -> QuerySet[Tag]:
        if self.value() in {"sim", "nao"}:
            return queryset.filter(merged_into__isnull=self.value() == "nao")
        return queryset
