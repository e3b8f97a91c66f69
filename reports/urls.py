"""Public report routes, included at `relatorio/`."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_page, name="report"),
    path("descadastrar/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
