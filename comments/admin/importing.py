"""The comment admin's "Importar arquivo" page: a dry run first, then the import on confirmation.

Step one reads the whole file and checks every row with the ingestion service's own validation
(`comments_import_preview`), storing nothing; the file waits in django-import-export's temporary
storage (IMPORT_EXPORT_TMP_STORAGE_CLASS). Only a file whose every row is valid can be
confirmed; step two sends it through `comments_import_file`, the path of the API and of
`manage.py import_comments`. The confirmation carries a signed token naming the stored file,
bound to the curator, so nobody can confirm another person's upload or point at another file.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.selectors import request_user
from comments.ingestion.files import ImportPreview, comments_import_file, comments_import_preview
from comments.models import Source
from lib.errors import DomainError

if TYPE_CHECKING:  # the mixin is only ever mixed into the comment admin
    from django.contrib.admin import ModelAdmin as _CommentAdminBase
else:
    _CommentAdminBase = object

logger = logging.getLogger(__name__)

TOKEN_SALT = "curadoria.import"
TOKEN_MAX_AGE = 60 * 60  # a preview older than an hour is uploaded again
ERRORS_SHOWN = 200


class CommentImportForm(forms.Form):
    file = forms.FileField(
        label=_("arquivo"),
        help_text=_("CSV (coluna 'texto', separada por ',' ou ';'), JSON (lista) ou XLSX."),
    )


def _storage(**kwargs: Any) -> Any:
    return import_string(settings.IMPORT_EXPORT_TMP_STORAGE_CLASS)(read_mode="rb", **kwargs)


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


class CommentImportViewMixin(_CommentAdminBase):
    """The two steps of an admin import; every row goes through the ingestion service."""

    def import_file_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request)
        form = CommentImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                preview = comments_import_preview(file=upload, filename=upload.name)
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                return self._render(request, form, preview=preview, upload=upload)
        return self._render(request, form)

    def _render(
        self,
        request: HttpRequest,
        form: CommentImportForm,
        *,
        preview: ImportPreview | None = None,
        upload: Any = None,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": gettext("Importar comentários de um arquivo"),
            "has_view_permission": True,
        }
        if preview is not None:
            context["preview"] = _preview_context(preview, upload.name)
            if preview.accepted:
                context["token"] = self._keep(request, upload)
        return TemplateResponse(request, "admin/comments/comment/import_file.html", context)

    def _keep(self, request: HttpRequest, upload: Any) -> str:
        """Store the checked file until it is confirmed; return the signed token naming it."""
        upload.seek(0)
        storage = _storage()
        storage.save(upload.read())
        payload = {"file": storage.name, "name": upload.name, "user": request.user.pk}
        return signing.dumps(payload, salt=TOKEN_SALT)

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        try:
            payload = signing.loads(request.POST["token"], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            self.message_user(
                request,
                gettext("A prévia expirou ou não é válida: envie o arquivo de novo."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:comments_comment_import_file"))
        if payload["user"] != request.user.pk:
            raise PermissionDenied
        storage = _storage(name=payload["file"])
        file = io.BytesIO(storage.read())
        try:
            summary = comments_import_file(
                file=file, filename=payload["name"], source=Source.ADMIN, user=request_user(request)
            )
        except DomainError as error:  # the preview read it whole; this is not expected
            logger.warning("An admin import failed after its preview: %s", error.message)
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:comments_comment_import_file"))
        finally:
            storage.remove()
        self.message_user(
            request,
            gettext(
                "Importação concluída: %(stored)s novos, %(known)s já conhecidos. "
                "Os novos entraram na fila de classificação."
            )
            % {"stored": _n(summary.stored), "known": _n(summary.already_known)},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:comments_comment_changelist"))


def _preview_context(preview: ImportPreview, filename: str) -> dict[str, Any]:
    return {
        "filename": filename,
        "accepted": preview.accepted,
        "rows": _n(preview.rows),
        "valid": _n(preview.valid),
        "new": _n(preview.valid - preview.already_known),
        "already_known": _n(preview.already_known),
        "rejected_count": _n(len(preview.rejected)),
        "rejected": [
            {"row": rejection.index, "reason": rejection.reason}
            for rejection in preview.rejected[:ERRORS_SHOWN]
        ],
        "rejected_hidden": _n(max(0, len(preview.rejected) - ERRORS_SHOWN)),
        "samples": [{"row": row.number, "text": _sample_text(row.item)} for row in preview.samples],
    }


def _sample_text(item: Any) -> str:
    text = item.get("texto") if isinstance(item, dict) else None
    if not isinstance(text, str):
        return "—"
    return text if text.strip() else gettext("(vazio)")
