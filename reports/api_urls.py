"""Report API routes, included at `api/`. Legacy paths have no trailing slash (existing clients)."""

from django.urls import path

from . import apis

urlpatterns = [
    path("relatorio/semana", apis.WeeklyReportApi.as_view(), name="report-week"),
    path("stakeholders", apis.StakeholderCollectionApi.as_view(), name="stakeholders"),
    path(
        "stakeholders/<str:stakeholder_id>",
        apis.StakeholderDetailApi.as_view(),
        name="stakeholder",
    ),
    path("insights/perguntar", apis.QuestionApi.as_view(), name="question"),
]
