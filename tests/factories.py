"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import API_CLIENTS_GROUP, CURATORS_GROUP, User
from comments.models import Comment, Tag
from comments.search import search_documents_write
from insights.models import CallOutcome, EvaluationRun, LLMCall


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"usuario{n}@exemplo.com.br")
    password = factory.PostGenerationMethodCall("set_password", "senha-Forte-123")

    @factory.post_generation
    def save_user(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class ApiClientFactory(UserFactory):
    @factory.post_generation
    def join_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.groups.add(Group.objects.get_or_create(name=API_CLIENTS_GROUP)[0])


class CuratorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def join_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.groups.add(Group.objects.get_or_create(name=CURATORS_GROUP)[0])


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment
        skip_postgeneration_save = True

    text = factory.Faker("sentence", locale="pt_BR")

    @factory.post_generation
    def search_document(self, create: bool, extracted: object, **kwargs: object) -> None:
        # A row made here skips ingestion and the worker's claim, like a bulk load; it gets
        # its search document the way the bulk paths give it (comments.search).
        if create:
            search_documents_write(comment_ids=[self.pk])


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tag_{n}")
    description = "Tag de teste"


class LLMCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LLMCall

    backend = "gemini"
    model = "gemini-2.5-flash-lite"
    prompt_version = "classify_v1"
    comment_count = 25
    input_tokens = 2_000
    output_tokens = 1_500
    latency_ms = 800
    cost_usd = Decimal("0.000800")
    outcome = CallOutcome.OK


class EvaluationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationRun

    dataset = "insights/data/eval_fresh"
    backend = "local"
    model = "local-default"
    item_count = 650
    accuracy = 0.9
    macro_f1 = 0.9
    metrics = factory.LazyFunction(dict)
    confusion_matrix = factory.LazyFunction(dict)
