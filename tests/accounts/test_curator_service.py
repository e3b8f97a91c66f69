"""`curator_ensure`: the curator account behind `make demo`, created once and kept."""

from __future__ import annotations

import pytest

from accounts.models import CURATORS_GROUP
from accounts.services import curator_ensure
from tests.factories import ApiClientFactory

pytestmark = pytest.mark.django_db


def test_a_new_curator_gets_a_random_password_staff_and_the_group():
    account = curator_ensure(email=" Curadoria@Exemplo.com ")

    user = account.user
    assert account.created
    assert user.email == "curadoria@exemplo.com"
    assert user.is_staff
    assert user.is_active
    assert user.groups.filter(name=CURATORS_GROUP).exists()
    assert len(account.password) >= 12
    assert user.check_password(account.password)


def test_an_existing_account_keeps_its_password_when_none_is_given():
    existing = ApiClientFactory(email="curadoria@exemplo.com", is_active=False)

    account = curator_ensure(email="curadoria@exemplo.com")

    assert not account.created
    assert account.password is None
    assert account.user.pk == existing.pk
    assert account.user.check_password("senha-Forte-123")
    assert account.user.is_active
    assert account.user.groups.filter(name=CURATORS_GROUP).exists()


def test_a_given_password_is_always_set():
    curator_ensure(email="curadoria@exemplo.com")

    account = curator_ensure(email="curadoria@exemplo.com", password="outra-Senha-456")

    assert account.password == "outra-Senha-456"
    assert account.user.check_password("outra-Senha-456")
