"""The review queue: comments waiting for a curator, lowest confidence first, and the review page.

The page keeps the model's suggestion apart from the curator's answer (as Argilla and Label
Studio do) and is worked from the keyboard: 1–5 pick a category, Enter saves and opens the
next comment, N skips to the next one without saving.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.selectors import request_user
from comments.admin.display import CommentDisplayMixin
from comments.models import Category, Comment, ReviewQueueComment, Tag, TagOrigin
from comments.review import comment_review
from comments.selectors import comment_review_next, comments_review_queue, comments_with_tags
from common.admin import CuratorPermissionsMixin
from common.pagination import LargeTablePaginator
from lib.errors import DomainError


class ReviewForm(forms.Form):
    category = forms.ChoiceField(
        label=_("categoria"), choices=Category.choices, widget=forms.RadioSelect
    )
    tags = forms.MultipleChoiceField(
        label=_("tags"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, tag_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tags = self.fields["tags"]
        assert isinstance(tags, forms.MultipleChoiceField)
        tags.choices = [(code, code) for code in tag_codes]


@admin.register(ReviewQueueComment)
class ReviewQueueAdmin(CommentDisplayMixin, CuratorPermissionsMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view", "change"})
    list_display = (
        "short_text",
        "category_badge",
        "confidence_bar",
        "margin_percent_text",
        "tag_list",
        "received_short",
    )
    list_display_links = ("short_text",)
    list_filter = ("category",)
    ordering = ("confidence", "id")
    sortable_by = ()
    list_per_page = 50
    show_full_result_count = False
    paginator = LargeTablePaginator
    change_list_template = "admin/comments/reviewqueuecomment/change_list.html"

    class Media:
        css = {"all": ("admin_curadoria/comments.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The proxy's rows, in the queue's order (comments_review_queue), tags prefetched.
        queue = ReviewQueueComment.objects.filter(needs_review=True)
        return comments_with_tags(queue.order_by(*comments_review_queue().query.order_by))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        first = comment_review_next()
        extra = {"first_url": self._review_url(first) if first else None}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        comment = (
            comments_with_tags(Comment.objects.select_related("reviewed_by"))
            .filter(pk=object_id)
            .first()
        )
        if comment is None:
            self.message_user(
                request, gettext("Este comentário não existe mais."), messages.WARNING
            )
            return HttpResponseRedirect(reverse("admin:comments_reviewqueuecomment_changelist"))
        current = [link.tag.code for link in comment.comment_tags.all()]
        form = ReviewForm(
            request.POST or None,
            tag_codes=_tag_choices(current),
            initial={"category": comment.category, "tags": current},
        )
        if request.method == "POST":
            return self._answer(request, comment, form, current)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Revisar comentário"),
            "comment": comment,
            "form": form,
            "queue_url": reverse("admin:comments_reviewqueuecomment_changelist"),
            "comment_url": reverse("admin:comments_comment_change", args=[comment.pk]),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/comments/reviewqueuecomment/review.html", context)

    def _answer(
        self, request: HttpRequest, comment: Comment, form: ReviewForm, current: list[str]
    ) -> HttpResponse:
        if "_skip" in request.POST:
            return self._go_next(request, comment)
        if not form.is_valid():
            self.message_user(
                request, gettext("Escolha uma categoria (teclas 1 a 5)."), messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        tags = form.cleaned_data["tags"]
        try:
            comment_review(
                comment_id=str(comment.pk),
                reviewer=request_user(request),
                category=form.cleaned_data["category"],
                tag_codes=tags if sorted(tags) != sorted(current) else None,
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.path)
        corrected = form.cleaned_data["category"] != comment.category
        self.message_user(
            request,
            gettext("Corrigido para %s.") % Category(form.cleaned_data["category"]).label
            if corrected
            else gettext("Sugestão aceita."),
            messages.SUCCESS,
        )
        return self._go_next(request, comment)

    def _go_next(self, request: HttpRequest, comment: Comment) -> HttpResponse:
        following = comment_review_next(after=comment) or comment_review_next()
        if following is None or following.pk == comment.pk:
            self.message_user(
                request, gettext("A fila de revisão está vazia. Bom trabalho!"), messages.INFO
            )
            return HttpResponseRedirect(reverse("admin:comments_reviewqueuecomment_changelist"))
        return HttpResponseRedirect(self._review_url(following))

    @staticmethod
    def _review_url(comment: Comment) -> str:
        return reverse("admin:comments_reviewqueuecomment_change", args=[comment.pk])


def _tag_choices(current: list[str]) -> list[str]:
    """The taxonomy's canonical tags plus whatever the comment already carries."""
    taxonomy = Tag.objects.filter(origin=TagOrigin.TAXONOMY, merged_into__isnull=True)
    codes = list(taxonomy.order_by("code").values_list("code", flat=True))
    return sorted(set(codes) | set(current))
