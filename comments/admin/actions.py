"""Bulk actions of the comment list: each calls one service from comments.bulk (issue 8).

They run on the ticked rows or, with Django's "select all", on everything the filters match.
The category and tag an action needs come from fields beside the action menu (`action_form`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.selectors import request_user
from comments import bulk
from comments.models import Category, Comment, Tag


class CurationActionForm(ActionForm):
    category = forms.ChoiceField(
        label=_("categoria"),
        required=False,
        choices=[("", _("categoria…")), *Category.choices],
    )
    tag = forms.ModelChoiceField(
        label=_("tag"),
        required=False,
        queryset=Tag.objects.filter(merged_into__isnull=True).order_by("code"),
        empty_label=_("tag…"),
        to_field_name="code",
    )


def _changed(admin_obj: Any, request: HttpRequest, count: int, singular: str, plural: str) -> None:
    admin_obj.message_user(
        request, ngettext(singular, plural, count) % {"n": count}, messages.SUCCESS
    )


def _form_value(request: HttpRequest, name: str) -> str:
    return (request.POST.get(name) or "").strip()


@admin.action(description=_("Reclassificar (enfileirar de novo)"))
def reclassify(model_admin: Any, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
    count = bulk.comments_reclassify(queryset=queryset)
    _changed(
        model_admin,
        request,
        count,
        "%(n)d comentário enviado para reclassificação.",
        "%(n)d comentários enviados para reclassificação.",
    )


@admin.action(description=_("Tentar de novo os que falharam"))
def retry_failed(model_admin: Any, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
    count = bulk.comments_retry_failed(queryset=queryset)
    _changed(
        model_admin,
        request,
        count,
        "%(n)d comentário com falha voltou para a fila.",
        "%(n)d comentários com falha voltaram para a fila.",
    )


@admin.action(description=_("Definir a categoria escolhida ao lado"))
def set_category(model_admin: Any, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
    category = _form_value(request, "category")
    if category not in Category.values:
        model_admin.message_user(
            request, gettext("Escolha a categoria ao lado da ação."), messages.WARNING
        )
        return
    count = bulk.comments_set_category(
        queryset=queryset, category=category, reviewer=request_user(request)
    )
    label = Category(category).label
    model_admin.message_user(
        request,
        ngettext("%(n)d comentário agora é %(c)s.", "%(n)d comentários agora são %(c)s.", count)
        % {"n": count, "c": label},
        messages.SUCCESS,
    )


@admin.action(description=_("Marcar como spam"))
def mark_spam(model_admin: Any, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
    count = bulk.comments_mark_spam(queryset=queryset, reviewer=request_user(request))
    _changed(
        model_admin,
        request,
        count,
        "%(n)d comentário marcado como spam.",
        "%(n)d comentários marcados como spam.",
    )


@admin.action(description=_("Marcar como revisados (aceitar a sugestão)"))
def mark_reviewed(model_admin: Any, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
    count = bulk.comments_mark_reviewed(queryset=queryset, reviewer=request_user(request))
    _changed(
        model_admin,
        request,
        count,
        "%(n)d comentário saiu da fila de revisão.",
        "%(n)d comentários saíram da fila de revisão.",
    )


def _chosen_tag(model_admin: Any, request: HttpRequest) -> Tag | None:
    tag = Tag.objects.filter(code=_form_value(request, "tag")).first()
    if tag is None:
        model_admin.message_user(
            request, gettext("Escolha a tag ao lado da ação."), messages.WARNING
        )
    return tag


@admin.action(description=_("Adicionar a tag escolhida ao lado"))
def add_tag(model_admin: Any, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
    tag = _chosen_tag(model_admin, request)
    if tag is None:
        return
    count = bulk.comments_tag_add(queryset=queryset, tag_id=tag.pk)
    model_admin.message_user(
        request,
        ngettext(
            "Tag %(t)s adicionada a %(n)d comentário.",
            "Tag %(t)s adicionada a %(n)d comentários.",
            count,
        )
        % {"n": count, "t": tag.code},
        messages.SUCCESS,
    )


@admin.action(description=_("Remover a tag escolhida ao lado"))
def remove_tag(model_admin: Any, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
    tag = _chosen_tag(model_admin, request)
    if tag is None:
        return
    count = bulk.comments_tag_remove(queryset=queryset, tag_id=tag.pk)
    model_admin.message_user(
        request,
        ngettext(
            "Tag %(t)s removida de %(n)d comentário.",
            "Tag %(t)s removida de %(n)d comentários.",
            count,
        )
        % {"n": count, "t": tag.code},
        messages.SUCCESS,
    )


CURATION_ACTIONS = (
    reclassify,
    retry_failed,
    set_category,
    mark_spam,
    mark_reviewed,
    add_tag,
    remove_tag,
)
