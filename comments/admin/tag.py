"""The tag admin: taxonomy and LLM-suggested tags with their usage counts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from comments.admin.filters import MergedFilter
from comments.models import CommentTag, Tag, TagOrigin
from common.admin import CuratorPermissionsMixin


@admin.register(Tag)
class TagAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view", "add", "change"})
    list_display = ("code", "description", "origin", "merged_into", "comment_count")
    list_filter = ("origin", MergedFilter)
    list_select_related = ("merged_into",)
    search_fields = ("code", "description")
    list_per_page = 100
    fields = ("code", "description", "origin", "merged_into", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        # A correlated count runs for the page's tags only, by the (tag, comment) index,
        # instead of grouping the whole comment-tag table.
        counts = (
            CommentTag.objects.filter(tag=OuterRef("pk"))
            .order_by()
            .values("tag")
            .annotate(total=Count("pk"))
            .values("total")
        )
        count = Coalesce(Subquery(counts, output_field=IntegerField()), 0)
        return super().get_queryset(request).annotate(comment_count=count)

    @admin.display(description=_("comentários"), ordering="comment_count")
    def comment_count(self, tag: Tag) -> int:
        return tag.comment_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def get_readonly_fields(self, request: HttpRequest, obj: Tag | None = None) -> Any:
        # Merging rewrites comments' tags, so it belongs to a service, not to this form.
        if obj is None:
            return ("origin", "merged_into", "created_at")
        return ("code", "origin", "merged_into", "created_at")

    def save_model(self, request: HttpRequest, obj: Tag, form: Any, change: bool) -> None:
        if not change:
            obj.origin = TagOrigin.CURATOR
        super().save_model(request, obj, form, change)
