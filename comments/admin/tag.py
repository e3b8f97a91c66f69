"""The tag admin: usage counts, rename, merge into a canonical tag, taxonomy vs LLM codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from comments.admin.filters import MergedFilter
from comments.models import CommentTag, Tag, TagOrigin
from comments.tags import tag_merge, tag_rename
from common.admin import CuratorPermissionsMixin
from lib.errors import DomainError


def _usage(since: Any = None) -> Coalesce:
    # A correlated count for the page's tags only, by the (tag, comment) index, instead of
    # grouping the whole comment-tag table.
    links = CommentTag.objects.filter(tag=OuterRef("pk"))
    if since is not None:
        links = links.filter(comment__received_at__gte=since)
    counts = links.order_by().values("tag").annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("mesclar na tag canônica"),
        queryset=Tag.objects.filter(merged_into__isnull=True).order_by("code"),
        to_field_name="code",
    )


@admin.register(Tag)
class TagAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view", "add", "change"})
    list_display = (
        "code",
        "description",
        "origin_badge",
        "merged_into",
        "usage_week",
        "usage_total",
    )
    list_filter = ("origin", MergedFilter)
    list_select_related = ("merged_into",)
    search_fields = ("code", "description")
    list_per_page = 100
    fields = ("code", "description", "origin", "merged_into", "created_at")
    actions = ("merge_action",)

    class Media:
        css = {"all": ("admin_curadoria/comments.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        week = timezone.now() - timedelta(days=7)
        return super().get_queryset(request).annotate(usage_total=_usage(), usage_week=_usage(week))

    @admin.display(description=_("comentários (7 dias)"), ordering="usage_week")
    def usage_week(self, tag: Tag) -> int:
        return tag.usage_week  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description=_("comentários (total)"), ordering="usage_total")
    def usage_total(self, tag: Tag) -> int:
        return tag.usage_total  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description=_("origem"), ordering="origin")
    def origin_badge(self, tag: Tag) -> SafeString:
        css = {"taxonomy": "badge-praise", "llm": "badge-question", "curator": "badge-suggestion"}
        return format_html(
            '<span class="badge {}">{}</span>', css.get(tag.origin, ""), tag.get_origin_display()
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Tag | None = None) -> Any:
        # Merging rewrites comments' tags, so it is an action with a service, not this form.
        return ("origin", "merged_into", "created_at")

    def save_model(self, request: HttpRequest, obj: Tag, form: Any, change: bool) -> None:
        if not change:
            obj.origin = TagOrigin.CURATOR
            super().save_model(request, obj, form, change)
            return
        try:
            tag_rename(tag_id=obj.pk, code=obj.code, description=obj.description)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.action(description=_("Mesclar as tags selecionadas numa tag canônica"))
    def merge_action(self, request: HttpRequest, queryset: QuerySet[Tag]) -> HttpResponse | None:
        form = MergeForm(request.POST if "target" in request.POST else None)
        if form.is_valid():
            try:
                result = tag_merge(
                    source_ids=list(queryset.values_list("pk", flat=True)),
                    target_id=form.cleaned_data["target"].pk,
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext(
                    "%(n)d tag mesclada em %(t)s; %(m)d marcações passaram para ela.",
                    "%(n)d tags mescladas em %(t)s; %(m)d marcações passaram para ela.",
                    result.merged,
                )
                % {"n": result.merged, "t": result.target.code, "m": result.links_moved},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.get_full_path())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Mesclar tags"),
            "tags": queryset,
            "form": form,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/comments/tag/merge.html", context)
