"""The one FilterSet for comment lists (legacy `/api/comentarios` and `/api/v1/comentarios`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from .models import Category, Comment, Status
from .search import comments_matching


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, converted to UTC before it reaches the database.

    Python accepts UTC offsets up to ±23:59; PostgreSQL refuses past ±15:59 with a DataError
    (a 500, found by schemathesis). In UTC any valid instant is fine, and one that leaves the
    calendar when converted is a 400.
    """

    def clean(self, value: Any) -> datetime | None:
        instant = super().clean(value)
        if instant is None or timezone.is_naive(instant):
            return instant
        try:
            return instant.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("Data fora do intervalo aceito."), code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class CommentFilter(django_filters.FilterSet):
    # `status` and `category` repeat in the query string: ?status=PENDENTE&status=FALHOU.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text=_("Status; repita o parâmetro para vários.")
    )
    category = django_filters.MultipleChoiceFilter(
        choices=Category.choices, help_text=_("Categoria; repita o parâmetro para várias.")
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text=_(
            "Palavras do texto (sem diferenciar maiúsculas nem acentos). Um comentário ainda "
            "na fila de classificação entra na busca quando um worker o pega, normalmente em "
            "segundos."
        ),
    )
    received_after = UtcIsoDateTimeFilter(
        field_name="received_at",
        lookup_expr="gte",
        help_text=_("Recebidos a partir deste instante (ISO 8601)."),
    )
    received_before = UtcIsoDateTimeFilter(
        field_name="received_at",
        lookup_expr="lt",
        help_text=_("Recebidos antes deste instante (ISO 8601)."),
    )

    class Meta:
        model = Comment
        fields = ("status", "category", "search", "received_after", "received_before")

    def filter_search(
        self, queryset: QuerySet[Comment], name: str, value: str
    ) -> QuerySet[Comment]:
        return comments_matching(queryset, value)
