"""The one definition of a comment's statuses, categories and sources (the wire labels).

Kept apart from the models so that code which must not need a configured app registry (the
classifier value types, worker subprocesses) can import the labels.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "PENDENTE", _("Pendente")
    PROCESSING = "PROCESSANDO", _("Processando")
    DONE = "CONCLUIDO", _("Concluído")
    FAILED = "FALHOU", _("Falhou")


class Category(models.TextChoices):
    PRAISE = "ELOGIO", _("Elogio")
    CRITICISM = "CRÍTICA", _("Crítica")
    SUGGESTION = "SUGESTÃO", _("Sugestão")
    QUESTION = "DÚVIDA", _("Dúvida")
    SPAM = "SPAM", _("Spam")


class Source(models.TextChoices):
    API = "api", _("API de parceiros")
    UPLOAD = "upload", _("Arquivo enviado pela API")
    IMPORT = "import", _("Importação em lote (operação)")
    ADMIN = "admin", _("Painel da curadoria")


class FailureKind(models.TextChoices):
    """Why the last attempt failed: decides whether FALHOU is retried by itself later."""

    NONE = "", _("Nenhuma")
    # The provider or the infrastructure failed (outage, 429, 5xx, timeout, broker loss).
    TRANSIENT = "transient", _("Transitória")
    # The comment itself cannot be classified as sent (blocked, refused, a permanent 4xx).
    PERMANENT = "permanent", _("Permanente")
