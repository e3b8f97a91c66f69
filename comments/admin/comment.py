"""The comment admin: the list curators filter and search, and the comment page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV, JSON, XLSX

from accounts.selectors import request_user
from comments.admin.actions import CURATION_ACTIONS, CurationActionForm
from comments.admin.display import CommentDisplayMixin, CommentPageDisplayMixin
from comments.admin.filters import (
    BackendFilter,
    ConfidenceFilter,
    NeedsReviewFilter,
    ReceivedRangeFilter,
    ReviewedFilter,
    TagFilter,
)
from comments.admin.importing import CommentImportViewMixin
from comments.admin.transfer import CommentExportHooksMixin
from comments.models import Comment, CommentTag, Source
from comments.resources import CommentResource
from comments.search import comments_matching
from comments.selectors import comments_with_tags
from comments.services import comments_ingest
from common.admin import CuratorPermissionsMixin
from common.pagination import LargeTablePaginator


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


CLASSIFICATION_FIELDS = (
    "status_badge",
    "category_badge",
    "confidence_percent_text",
    "margin_percent_text",
    "classified_at",
    "classifier_text",
    "classifier_model",
    "prompt_version",
)
REVIEW_FIELDS = (
    "needs_review_text",
    "reviewed_by",
    "reviewed_at",
    "category_set_by_human_text",
    "tags_set_by_human_text",
)
PROCESSING_FIELDS = ("enqueued_at", "claimed_at", "attempts", "last_error")


@admin.register(Comment)
class CommentAdmin(
    CommentImportViewMixin,
    CommentExportHooksMixin,
    CommentDisplayMixin,
    CommentPageDisplayMixin,
    CuratorPermissionsMixin,
    ExportActionMixin,
    admin.ModelAdmin,
):
    curator_rights = frozenset({"view", "add"})
    list_display = (
        "short_text",
        "status_badge",
        "category_badge",
        "confidence_bar",
        "tag_list",
        "review_flag",
        "received_short",
        "submitter",
    )
    list_filter = (
        "status",
        "category",
        TagFilter,
        ConfidenceFilter,
        NeedsReviewFilter,
        ReviewedFilter,
        "source",
        BackendFilter,
        ReceivedRangeFilter,
    )
    list_select_related = ("submitted_by",)
    search_fields = ("text",)
    # The documents are written by the worker that claims a comment (comments.search).
    search_help_text = _(
        "Busca por palavras no texto (sem diferenciar maiúsculas nem acentos; "
        "'ingress' acha 'ingressos'). Um comentário ainda na fila entra na busca quando um "
        "worker o pega para classificar, normalmente em segundos."
    )
    actions = CURATION_ACTIONS
    action_form = CurationActionForm
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
            items=[{"texto": obj.text}], source=Source.ADMIN, submitted_by=request_user(request)
        )
        obj.pk = result.stored_ids[0]
        obj._state.adding = False
        obj.refresh_from_db()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Corrections go through the review page (comment_review), never through this form.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        # The page's tags in one query, however many rows it shows (no N+1).
        return comments_with_tags(super().get_queryset(request))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Comment], search_term: str
    ) -> tuple[QuerySet[Comment], bool]:
        # The same full-text search as the API's `search` filter (comments.search).
        return comments_matching(queryset, search_term), False

    def get_urls(self) -> list[Any]:
        import_view = self.admin_site.admin_view(self.import_file_view)
        extra = [path("importar/", import_view, name="comments_comment_import_file")]
        return extra + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_import": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context)
