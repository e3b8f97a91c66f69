"""Export hooks of the comment admin: the pt-BR export form, safe cells, large exports as a job."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import JSON
from import_export.forms import SelectableFieldsExportForm

from accounts.selectors import request_user
from comments.exporting import export_job_create

if TYPE_CHECKING:  # the mixins are only ever mixed into the comment admin
    from import_export.admin import ExportActionModelAdmin as _CommentAdminBase
else:
    _CommentAdminBase = object


# What each export column holds, as curators read it (the column names are the API's).
EXPORT_COLUMNS = (
    ("id", _("identificador do comentário")),
    ("texto", _("texto")),
    ("status", _("status")),
    ("categoria", _("categoria")),
    ("confianca", _("confiança (0 a 1)")),
    ("tags", _("tags, separadas por vírgula")),
    ("data_recebimento", _("data de recebimento")),
    ("origem", _("origem")),
    ("precisa_revisao", _("precisa de revisão")),
    ("backend", _("classificador")),
)


class CuratorExportForm(SelectableFieldsExportForm):
    """The library's export form without its English labels and its "---" first format."""

    def __init__(self, formats: Any, resources: Any, **kwargs: Any) -> None:
        super().__init__(formats, resources, **kwargs)
        labels = dict(EXPORT_COLUMNS)
        for key, field in self.fields.items():
            name = key.removeprefix("commentresource_")
            if getattr(field, "is_selectable_field", False) and name in labels:
                field.label = f"{labels[name]} ({name})"
        field = self.fields["format"]
        field.label = gettext("Formato do arquivo")
        field.choices = [(value, title) for value, title in field.choices if value != ""]
        field.initial = "0"
        field.widget = forms.RadioSelect(choices=field.choices)
        self.fields["resource"].label = gettext("Recurso")


class CommentExportHooksMixin(_CommentAdminBase):
    """django-import-export hooks: pt-BR form, formula escaping, large exports as a job."""

    export_form_class = CuratorExportForm
    export_template_name = "admin/comments/comment/export.html"

    def get_export_context_data(self, **kwargs: Any) -> dict[str, Any]:
        threshold = settings.EXPORT_ASYNC_THRESHOLD
        return {"export_columns": EXPORT_COLUMNS, "export_threshold": threshold}

    def _do_file_export(
        self, file_format: Any, request: HttpRequest, queryset: Any, **kwargs: Any
    ) -> HttpResponse:
        # The library's one funnel for every export builds the file in memory; above the
        # threshold a worker streams it to disk instead (comments.exporting).
        threshold = settings.EXPORT_ASYNC_THRESHOLD
        if queryset.order_by()[: threshold + 1].count() <= threshold:
            return super()._do_file_export(file_format, request, queryset, **kwargs)
        job = export_job_create(
            queryset=queryset.order_by("-received_at", "-id"),
            file_format=file_format.get_extension(),
            user=request_user(request),
            total=queryset.order_by().count(),
        )
        self.message_user(
            request,
            gettext(
                "São mais de %(n)s linhas: o arquivo será gerado em segundo plano. "
                "Acompanhe o progresso abaixo."
            )
            % {"n": threshold},
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:comments_exportjob_change", args=[job.pk]))

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


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
