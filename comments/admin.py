"""The curators' console for comments and tags (first version; DESIGN §1).

Comments are written by the pipeline, never edited here: the change page is a read-only view
of the comment and its classification. New comments (one typed in, or a file) go through
`comments_ingest`, the same service the API uses, so they are validated and classified alike.
"""

from __future__ import annotations

import json
import uuid
from functools import cached_property
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV, JSON, XLSX

from lib.errors import DomainError

from .imports import ImportSummary, comments_import_file
from .models import Comment, CommentTag, Source, Tag, TagOrigin
from .resources import CommentResource
from .services import comments_ingest

admin.site.site_header = _("AluMusic Insights · Curadoria")
admin.site.site_title = _("AluMusic Insights")
admin.site.index_title = _("Painel da curadoria")
# Comment lists are wide; the page needs the room more than a second menu.
admin.site.enable_nav_sidebar = False


class LargeTablePaginator(Paginator):
    """Counts exactly up to COUNT_CAP rows and asks the planner for an estimate beyond that.

    An exact COUNT(*) over a million filtered rows costs more than the page itself; curators
    need "about how many", then filter or search to narrow down (DESIGN §8).
    """

    COUNT_CAP = 10_000
    is_estimate = False

    @cached_property
    def count(self) -> int:
        capped = self.object_list[: self.COUNT_CAP + 1].count()
        if capped <= self.COUNT_CAP:
            return capped
        self.is_estimate = True
        return max(self._planner_estimate(), capped)

    def _planner_estimate(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return self.COUNT_CAP + 1
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])


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
        return super().has_module_permission(request) or self._curator_may(request, "view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or self._curator_may(request, "view")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) or self._curator_may(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed or self._curator_may(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed or self._curator_may(request, "delete")


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


class CommentTagInline(admin.TabularInline):
    model = CommentTag
    template = "admin/comments/comment/tags_inline.html"
    fields = ("tag", "explanation")
    readonly_fields = ("tag", "explanation")
    extra = 0
    can_delete = False
    verbose_name = _("tag")
    verbose_name_plural = _("tags atribuídas")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CommentTag]:
        return super().get_queryset(request).select_related("tag")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_curator", False))


class CommentAddForm(forms.ModelForm):
    """One comment typed by a curator; the limits are the API's (DESIGN §7)."""

    text = forms.CharField(
        label=_("texto"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=settings.INGEST_MAX_TEXT_LENGTH,
    )

    class Meta:
        model = Comment
        fields = ("text",)


class CommentImportForm(forms.Form):
    file = forms.FileField(
        label=_("arquivo"),
        help_text=_("CSV (coluna 'texto', separada por ',' ou ';'), JSON (lista) ou XLSX."),
    )


CLASSIFICATION_FIELDS = (
    "status",
    "category",
    "confidence",
    "margin",
    "classified_at",
    "classifier_backend",
    "classifier_model",
    "prompt_version",
)
REVIEW_FIELDS = (
    "needs_review",
    "reviewed_by",
    "reviewed_at",
    "category_set_by_human",
    "tags_set_by_human",
)
PROCESSING_FIELDS = ("enqueued_at", "claimed_at", "attempts", "last_error")


@admin.register(Comment)
class CommentAdmin(CuratorPermissionsMixin, ExportActionMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view", "add"})
    list_display = (
        "short_text",
        "status",
        "category",
        "confidence_percent",
        "review_flag",
        "received_short",
        "source",
        "submitter",
    )
    list_filter = (
        "status",
        "category",
        ("needs_review", ReviewFilter),
        "source",
        BackendFilter,
    )
    list_select_related = ("submitted_by",)
    search_fields = ("text",)
    search_help_text = _("Busca no texto dos comentários.")
    date_hierarchy = "received_at"
    ordering = ("-received_at", "-id")
    list_per_page = 50
    show_full_result_count = False
    paginator = LargeTablePaginator
    inlines = (CommentTagInline,)
    form = CommentAddForm
    resource_classes = (CommentResource,)
    formats = (CSV, JSON, XLSX)
    import_export_change_list_template = "admin/comments/comment/change_list_tools.html"
    fieldsets = (
        (None, {"fields": ("id", "text", "source", "submitted_by", "received_at")}),
        (_("Classificação"), {"fields": CLASSIFICATION_FIELDS}),
        (_("Revisão"), {"fields": REVIEW_FIELDS}),
        (_("Processamento"), {"fields": PROCESSING_FIELDS}),
    )
    readonly_fields = (
        "id",
        "text",
        "source",
        "submitted_by",
        "received_at",
        *CLASSIFICATION_FIELDS,
        *REVIEW_FIELDS,
        *PROCESSING_FIELDS,
    )

    @admin.display(description=_("texto"), ordering="text")
    def short_text(self, comment: Comment) -> str:
        return Truncator(comment.text).chars(90)

    @admin.display(description=_("confiança"), ordering="confidence")
    def confidence_percent(self, comment: Comment) -> str | None:
        return None if comment.confidence is None else f"{comment.confidence:.0%}"

    @admin.display(description=_("revisão"), ordering="-needs_review")
    def review_flag(self, comment: Comment) -> str:
        # Only the rows that need a curator get a mark; a red cross on every other row is noise.
        if not comment.needs_review:
            return ""
        return format_html('<span class="review-flag">{}</span>', gettext("revisar"))

    @admin.display(description=_("enviado por"), ordering="submitted_by__email")
    def submitter(self, comment: Comment) -> str:
        email = comment.submitted_by.email if comment.submitted_by else "-"
        return format_html('<span class="ellipsis" title="{}">{}</span>', email, email)

    @admin.display(description=_("recebido em"), ordering="received_at")
    def received_short(self, comment: Comment) -> str:
        return date_format(localtime(comment.received_at), "d/m/y H:i")

    class Media:
        css = {"all": ("admin_curadoria/comments.css",)}

    # -- adding: a typed comment goes through the ingestion service ------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Comment | None = None) -> Any:
        if obj is None:
            return ((None, {"fields": ("text",)}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Comment | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Comment | None) -> Any:
        return () if obj is None else self.inlines

    def save_model(self, request: HttpRequest, obj: Comment, form: Any, change: bool) -> None:
        if change:  # the change page is read-only; nothing to save
            return
        result = comments_ingest(
            items=[{"texto": obj.text}], source=Source.ADMIN, submitted_by=request.user
        )
        obj.pk = result.stored_ids[0]
        obj._state.adding = False
        obj.refresh_from_db()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Corrections arrive with the review service; until then the page only shows.
        return False

    # -- export and import -------------------------------------------------------------------

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: Any, **kwargs: Any
    ) -> Any:
        # Formula escaping protects spreadsheets (CSV, XLSX); a JSON export keeps texts as sent.
        kwargs["escape_formulas"] = not isinstance(file_format, JSON)
        return super().get_export_data(file_format, request, queryset, **kwargs)

    def get_valid_export_item_pks(self, request: HttpRequest) -> Any:
        # The library's default lists every pk in the table to validate the selected rows.
        selected = [pk for pk in request.POST.getlist("export_items") if _is_uuid(pk)]
        return self.get_queryset(request).filter(pk__in=selected).values_list("pk", flat=True)

    def get_urls(self) -> list[Any]:
        import_view = self.admin_site.admin_view(self.import_file_view)
        extra = [path("importar/", import_view, name="comments_comment_import_file")]
        return extra + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_import": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_file_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV/JSON/XLSX file; every row goes through `comments_ingest`."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CommentImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = comments_import_file(
                    file=upload, filename=upload.name, source=Source.ADMIN, user=request.user
                )
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                self._report_import(request, summary)
                return HttpResponseRedirect(reverse("admin:comments_comment_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": gettext("Importar comentários de um arquivo"),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/comments/comment/import_file.html", context)

    def _report_import(self, request: HttpRequest, summary: ImportSummary) -> None:
        self.message_user(
            request,
            gettext(
                "Importação concluída: %(stored)d novos, %(known)d já conhecidos, "
                "%(rejected)d rejeitados. Os novos entraram na fila de classificação."
            )
            % {
                "stored": summary.stored,
                "known": summary.already_known,
                "rejected": len(summary.rejected),
            },
            messages.SUCCESS,
        )
        for number, reason in summary.rejected[:10]:
            self.message_user(
                request,
                gettext("Linha %(n)s: %(r)s") % {"n": number, "r": reason},
                messages.WARNING,
            )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class MergedFilter(admin.SimpleListFilter):
    title = _("situação")
    parameter_name = "mesclada"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("nao", gettext("Canônica")), ("sim", gettext("Mesclada em outra"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tag]) -> QuerySet[Tag]:
        if self.value() in {"sim", "nao"}:
            return queryset.filter(merged_into__isnull=self.value() == "nao")
        return queryset


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
        return tag.comment_count

    def get_readonly_fields(self, request: HttpRequest, obj: Tag | None = None) -> Any:
        # Merging rewrites comments' tags, so it belongs to a service, not to this form.
        if obj is None:
            return ("origin", "merged_into", "created_at")
        return ("code", "origin", "merged_into", "created_at")

    def save_model(self, request: HttpRequest, obj: Tag, form: Any, change: bool) -> None:
        if not change:
            obj.origin = TagOrigin.CURATOR
        super().save_model(request, obj, form, change)
