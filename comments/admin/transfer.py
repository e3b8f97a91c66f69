"""Import and export hooks of the comment admin: files through `comments_ingest`, safe exports."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import JSON
from import_export.forms import SelectableFieldsExportForm

from accounts.selectors import request_user
from comments.exporting import export_job_create
from comments.ingestion.files import ImportSummary, comments_import_file
from comments.models import Source
from lib.errors import DomainError

if TYPE_CHECKING:  # the mixins are only ever mixed into the comment admin
    from import_export.admin import ExportActionModelAdmin as _CommentAdminBase
else:
    _CommentAdminBase = object


class CommentImportForm(forms.Form):
    file = forms.FileField(
        label=_("arquivo"),
        help_text=_("CSV (coluna 'texto', separada por ',' ou ';'), JSON (lista) ou XLSX."),
    )


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


class CommentImportViewMixin(_CommentAdminBase):
    """The "Importar arquivo" page: a CSV/JSON/XLSX file through the ingestion service."""

    def import_file_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV/JSON/XLSX file; every row goes through `comments_ingest`."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CommentImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = comments_import_file(
                    file=upload,
                    filename=upload.name,
                    source=Source.ADMIN,
                    user=request_user(request),
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
