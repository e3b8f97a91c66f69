"""How a comment's fields look in the curators' admin: badges, percentage bars, pt-BR dates."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comments.formatting import CATEGORY_CLASSES, percent
from comments.models import Comment
from common.formatting import local_datetime

STATUS_CLASSES = {
    "PENDENTE": "pending",
    "PROCESSANDO": "processing",
    "CONCLUIDO": "done",
    "FALHOU": "failed",
}


def category_badge(comment: Comment) -> SafeString | str:
    if not comment.category:
        return format_html('<span class="badge badge-none">{}</span>', gettext("sem categoria"))
    human = format_html(' <span title="{}">✎</span>', gettext("definida por curador"))
    return format_html(
        '<span class="badge badge-{}">{}{}</span>',
        CATEGORY_CLASSES.get(comment.category, "none"),
        comment.get_category_display(),
        human if comment.category_set_by_human else "",
    )


def status_badge(comment: Comment) -> SafeString:
    return format_html(
        '<span class="badge badge-status badge-{}">{}</span>',
        STATUS_CLASSES.get(comment.status, "pending"),
        comment.get_status_display(),
    )


def confidence_bar(value: float | None) -> SafeString | str:
    if value is None:
        return "—"
    level = "low" if value < 0.6 else "mid" if value < 0.8 else "high"
    return format_html(
        '<span class="bar bar-{}" title="{}"><span style="width:{}%"></span></span>'
        '<span class="bar-label">{}</span>',
        level,
        gettext("confiança %s") % percent(value, 1),
        round(value * 100),
        percent(value),
    )


class CommentDisplayMixin:
    """Columns and read-only fields shared by the comment list and the review queue."""

    @admin.display(description=_("texto"))
    def short_text(self, comment: Comment) -> str:
        return Truncator(comment.text).chars(110)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, comment: Comment) -> SafeString:
        return status_badge(comment)

    @admin.display(description=_("categoria"), ordering="category")
    def category_badge(self, comment: Comment) -> SafeString | str:
        return category_badge(comment)

    @admin.display(description=_("confiança"), ordering="confidence")
    def confidence_bar(self, comment: Comment) -> SafeString | str:
        return confidence_bar(comment.confidence)

    @admin.display(description=_("confiança"))
    def confidence_percent_text(self, comment: Comment) -> str:
        return percent(comment.confidence, 1)

    @admin.display(description=_("margem entre os dois rótulos mais prováveis"))
    def margin_percent_text(self, comment: Comment) -> str:
        return percent(comment.margin, 1)

    @admin.display(description=_("tags"))
    def tag_list(self, comment: Comment) -> SafeString | str:
        links = comment.comment_tags.all()  # prefetched by get_queryset
        if not links:
            return ""
        return format_html_join(
            " ",
            '<span class="tag-chip" title="{}">{}</span>',
            ((link.explanation, link.tag.code) for link in links),
        )

    @admin.display(description=_("revisão"), ordering="-needs_review")
    def review_flag(self, comment: Comment) -> SafeString | str:
        # Only rows that need a curator get a mark; a red cross on every other row is noise.
        if comment.needs_review:
            return format_html('<span class="review-flag">{}</span>', gettext("revisar"))
        if comment.reviewed_at:
            return format_html('<span class="reviewed-flag">{}</span>', gettext("revisado"))
        return ""

    @admin.display(description=_("enviado por"), ordering="submitted_by__email")
    def submitter(self, comment: Comment) -> SafeString:
        email = comment.submitted_by.email if comment.submitted_by else "—"
        return format_html('<span class="ellipsis" title="{}">{}</span>', email, email)

    @admin.display(description=_("recebido em"), ordering="received_at")
    def received_short(self, comment: Comment) -> str:
        return local_datetime(comment.received_at, "d/m/y H:i")


def yes_no(value: bool) -> str:
    """A boolean in words: Django's icons put a red cross on every ordinary "no"."""
    return gettext("sim") if value else gettext("não")


class CommentPageDisplayMixin:
    """Read-only fields of the comment page in words a curator reads, not icons or jargon."""

    @admin.display(description=_("precisa de revisão"))
    def needs_review_text(self, comment: Comment) -> str:
        return yes_no(comment.needs_review)

    @admin.display(description=_("categoria definida por curador"))
    def category_set_by_human_text(self, comment: Comment) -> str:
        return yes_no(comment.category_set_by_human)

    @admin.display(description=_("tags definidas por curador"))
    def tags_set_by_human_text(self, comment: Comment) -> str:
        return yes_no(comment.tags_set_by_human)

    @admin.display(description=_("classificador"))
    def classifier_text(self, comment: Comment) -> str:
        names = {"local": gettext("Modelo local (offline)"), "gemini": gettext("Gemini")}
        return names.get(comment.classifier_backend, comment.classifier_backend or "—")
