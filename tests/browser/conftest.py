"""Headless Chromium (Debian's, driven by Playwright) against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
LOCAL_SCHEMES = {"data", "blob", "about"}
PASSWORD = "senha-Forte-123"  # every user tests.factories.UserFactory makes


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in this thread; the test body still calls the
    # ORM synchronously (factories), which Django refuses under a running loop unless told.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserPage:
    """A Playwright page that remembers every URL it requested."""

    page: object
    base_url: str
    requests: list[str] = field(default_factory=list)
    # Requests the page's Content-Security-Policy stopped inside the browser: never sent.
    blocked_by_policy: set[str] = field(default_factory=set)

    def open(self, path: str) -> object:
        response = self.page.goto(self.base_url + path, wait_until="networkidle")
        assert response is not None, path
        assert response.ok, f"{path}: HTTP {response.status}"
        return response

    def admin_login(self, email: str, password: str = PASSWORD) -> None:
        """Log in through the admin's own login form, as a person would."""
        self.open("/admin/login/")
        self.page.fill("#id_username", email)
        self.page.fill("#id_password", password)
        self.page.click("input[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=full_page)
        return target

    def external_requests(self) -> list[str]:
        """Requests that left the browser for anywhere but the live server."""
        local = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in LOCAL_SCHEMES
            and urlsplit(url).netloc != local
            and url not in self.blocked_by_policy
        ]

    def _on_failure(self, request: object) -> None:
        if request.failure == "csp":
            self.blocked_by_policy.add(request.url)


def _new_page(browser, live_server, **context_options) -> Iterator[BrowserPage]:
    context = browser.new_context(locale="pt-BR", **context_options)
    page = context.new_page()
    wrapped = BrowserPage(page=page, base_url=live_server.url)
    page.on("request", lambda request: wrapped.requests.append(request.url))
    page.on("requestfailed", wrapped._on_failure)
    yield wrapped
    context.close()


@pytest.fixture
def desktop(browser, live_server) -> Iterator[BrowserPage]:
    yield from _new_page(browser, live_server, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone(browser, live_server) -> Iterator[BrowserPage]:
    yield from _new_page(
        browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=2
    )
