"""Large exports in the admin: the jobs' page with progress and the download of finished files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comments.exporting import export_file_for
from comments.models import ExportJob, ExportStatus
from common.admin import CuratorPermissionsMixin
from common.formatting import local_datetime


@admin.register(ExportJob)
class ExportJobAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view"})
    list_display = ("created", "file_format", "status", "progress", "rows", "expires", "download")
    list_filter = ("status", "file_format")
    list_select_related = ("requested_by",)
    ordering = ("-created_at",)
    change_list_template = "admin/comments/exportjob/change_list.html"

    class Media:
        css = {"all": ("admin_curadoria/comments.css",)}

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        threshold = number_format(settings.EXPORT_ASYNC_THRESHOLD, force_grouping=True)
        extra = {"export_threshold": threshold, **(extra_context or {})}
        return super().changelist_view(request, extra)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExportJob]:
        # The pickled query can be large; the list never needs it.
        return super().get_queryset(request).defer("query")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("pedido em"), ordering="created_at")
    def created(self, job: ExportJob) -> str:
        return local_datetime(job.created_at)

    @admin.display(description=_("progresso"))
    def progress(self, job: ExportJob) -> SafeString:
        return format_html(
            '<span class="bar bar-high"><span style="width:{}%"></span></span>'
            '<span class="bar-label">{} %</span>',
            job.progress_percent,
            job.progress_percent,
        )

    @admin.display(description=_("linhas"))
    def rows(self, job: ExportJob) -> str:
        return gettext("%(done)s de %(total)s") % {
            "done": number_format(job.rows_written, force_grouping=True),
            "total": number_format(job.total_rows, force_grouping=True),
        }

    @admin.display(description=_("expira em"))
    def expires(self, job: ExportJob) -> str:
        return local_datetime(job.expires_at)

    @admin.display(description=_("arquivo"))
    def download(self, job: ExportJob) -> SafeString | str:
        if job.status != ExportStatus.DONE:
            return "—"
        url = reverse("admin:comments_exportjob_download", args=[job.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("Baixar"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.download_view)
        extra = [path("<uuid:job_id>/baixar/", view, name="comments_exportjob_download")]
        return extra + super().get_urls()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = self.get_queryset(request).filter(pk=object_id).first()
        if job is None:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Exportação de comentários"),
            "job": job,
            "running": job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
            "download_url": self.download(job),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/comments/exportjob/progress.html", context)

    def download_view(self, request: HttpRequest, job_id: Any) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = ExportJob.objects.defer("query").filter(pk=job_id).first()
        file = export_file_for(job) if job else None
        if file is None:
            raise Http404(gettext("O arquivo desta exportação não está mais disponível."))
        return FileResponse(file.open("rb"), as_attachment=True, filename=file.name)
