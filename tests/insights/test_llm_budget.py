"""A daily Gemini token budget: past it the local model classifies and an alert is shown."""

from __future__ import annotations

import pytest

from comments.models import Status
from insights.models import CallOutcome, LLMCall
from insights.pipeline import classify as classify_module
from insights.pipeline.classify import comments_classify
from insights.selectors import BudgetLevel, llm_budget_status
from tests.factories import CommentFactory
from tests.insights.helpers import ScriptedBackend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_broker")]


def spend(tokens: int) -> None:
    LLMCall.objects.create(
        backend="gemini", model="gemini-2.5-flash-lite", prompt_version="v", comment_count=1,
        input_tokens=tokens, outcome=CallOutcome.OK,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("spent", "level"),
    [(0, BudgetLevel.OK), (850, BudgetLevel.WARNING), (1000, BudgetLevel.EXHAUSTED)],
)
def test_budget_status_levels(settings, spent, level):
    settings.GEMINI_DAILY_TOKEN_BUDGET = 1000
    spend(spent)

    status = llm_budget_status()

    assert (status.level, status.tokens_used, status.tokens_budget) == (level, spent, 1000)
    assert bool(status.message) is (level != BudgetLevel.OK)


def test_no_budget_means_unlimited(settings):
    settings.GEMINI_DAILY_TOKEN_BUDGET = 0
    spend(10**9)

    assert llm_budget_status().level == BudgetLevel.UNLIMITED


def test_past_the_budget_the_local_backend_takes_over(monkeypatch, settings):
    settings.GEMINI_DAILY_TOKEN_BUDGET = 1000
    spend(1500)
    used: list[str] = []
    backends = {name: ScriptedBackend(name=name) for name in ("gemini", "local")}

    def pick(name=None):
        used.append(name)
        return backends[name]

    monkeypatch.setattr(classify_module, "get_backend", pick)
    comment = CommentFactory()

    comments_classify(comment_ids=[str(comment.id)], backend_name="gemini")

    comment.refresh_from_db()
    assert used == ["local"]
    assert comment.status == Status.DONE
    assert "esgotado" in llm_budget_status().message
