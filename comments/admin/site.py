"""Admin-site branding shared by every app's admin pages."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("AluMusic Insights · Curadoria")
admin.site.site_title = _("AluMusic Insights")
admin.site.index_title = _("Painel da curadoria")
# Comment lists are wide; the page needs the room more than a second menu.
admin.site.enable_nav_sidebar = False
# One mark for "nothing here" on every page (Django's default "-" sat beside our "—").
admin.site.empty_value_display = "—"
