"""`manage.py create_curator EMAIL`: a curator account (staff, group curadores) without a shell."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from accounts.services import curator_ensure


class Command(BaseCommand):
    help = _("Cria (ou promove) uma conta de curadoria: equipe e grupo curadores.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help=_("e-mail da conta"))
        parser.add_argument("--password", default=None, help=_("senha; sem ela, uma é gerada"))

    def handle(self, *args: Any, email: str, password: str | None, **options: Any) -> None:
        account = curator_ensure(email=email, password=password)
        verb = _("criada") if account.created else _("atualizada")
        self.stdout.write(
            _("Conta de curadoria %(v)s: %(e)s") % {"v": verb, "e": account.user.email}
        )
        if account.password and not password:
            self.stdout.write(_("Senha gerada: %s") % account.password)
