"""The one FilterSet for comment lists (legacy `/api/comentarios` and `/api/v1/comentarios`)."""

from __future__ import annotations

import unicodedata

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Category, Comment, Status


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
        help_text=_("Trecho do texto (sem diferenciar maiúsculas)."),
    )
    received_after = django_filters.IsoDateTimeFilter(
        field_name="received_at",
        lookup_expr="gte",
        help_text=_("Recebidos a partir deste instante (ISO 8601)."),
    )
    received_before = django_filters.IsoDateTimeFilter(
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
        # icontains compiles to UPPER(text) LIKE UPPER(%s), served by the trigram GIN index.
        # Texts are stored in NFC, so the query is too: "música" typed as NFD still matches.
        value = unicodedata.normalize("NFC", value.strip())
        return queryset.filter(text__icontains=value) if value else queryset
