"""The Content-Security-Policy breaks no page: Chromium logs no violation where people go."""

from __future__ import annotations

import pytest

from tests.factories import CommentFactory, CuratorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violations(desktop) -> list[str]:
    """Every CSP violation the page reports, from the console and from the DOM event."""
    seen: list[str] = []
    desktop.page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    desktop.page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return seen


def _login(desktop) -> None:
    CuratorFactory(email="curadora@exemplo.com")
    desktop.admin_login("curadora@exemplo.com")


@pytest.mark.parametrize("path", ["/", "/relatorio/", "/admin/login/"])
def test_public_pages_log_no_csp_violation(desktop, violations, path):
    desktop.open(path)

    assert violations == []


def test_the_admin_logs_no_csp_violation(desktop, violations):
    comment = CommentFactory(text="Som ótimo")
    _login(desktop)
    for path in (
        "/admin/",
        "/admin/comments/comment/",
        f"/admin/comments/comment/{comment.pk}/change/",
        "/admin/comments/tag/",
    ):
        desktop.open(path)

    assert violations == []


def test_the_swagger_docs_run_their_script_with_no_csp_violation(desktop, violations):
    desktop.open("/api/docs/")

    title = desktop.page.locator(".swagger-ui .info .title").first
    title.wait_for(state="visible", timeout=15_000)
    assert "AluMusic Insights API" in title.inner_text()
    assert violations == []
    desktop.screenshot("api_docs_csp", full_page=False)


def test_redoc_renders_and_only_its_off_site_logo_is_blocked(desktop, violations):
    desktop.open("/api/redoc/")

    desktop.page.locator("h1").first.wait_for(state="visible", timeout=15_000)
    assert [v for v in violations if "script-src" in v or "style-src" in v] == []
