"""Django's admin app, configured to use the project's site (the curators' dashboard)."""

from django.contrib.admin.apps import AdminConfig


class CuradoriaAdminConfig(AdminConfig):
    default_site = "reports.dashboard.site.CuradoriaAdminSite"
