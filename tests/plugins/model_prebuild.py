"""Start building the local model when a run collects a test that needs it, not when one runs.

A model built from the whole corpus takes minutes. Built inside the first test that asks for
it, that xdist worker (and any other reaching such a test) only waits. Built by a process of
its own from the start of the run, it uses the cores while the workers run everything else;
`local_model_ready` (tests/conftest.py) then takes the same lock and finds the artifact
current. One process per run starts it: the in-process run, or xdist worker gw0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MODEL_FIXTURE = "local_model_ready"
LOCK_NAME = ".tests-build.lock"
READY = "locked"


def build_lock_path() -> Path:
    from django.conf import settings

    return Path(settings.MODEL_DIR) / LOCK_NAME


class ModelPrebuild:
    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        first_process = os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0"
        if not first_process or session.config.option.collectonly:
            return
        if not any(MODEL_FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
            return
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.plugins.model_prebuild"],
            cwd=session.config.rootpath,
            stdout=subprocess.PIPE,
            text=True,
        )
        # Go on only once the builder holds the lock, so no test can take it first and build.
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != READY:
            raise RuntimeError("the model prebuild process stopped before taking its lock")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.process is None:
            return
        # Another worker may still need the model; only a stopped run (-x, Ctrl-C) drops it.
        if session.shouldstop or session.shouldfail or exitstatus == pytest.ExitCode.INTERRUPTED:
            self.process.terminate()
        self.process.wait()


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ModelPrebuild(), "model-prebuild")


def main() -> None:
    """Hold the build lock, say so on stdout, then load or build the default local model."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alumusic.settings")
    django.setup()
    from insights.classifiers.local.backend import LocalBackend
    from tests.locks import file_lock

    with file_lock(build_lock_path()):
        print(READY, flush=True)
        assert LocalBackend.shared().model is not None


if __name__ == "__main__":
    main()
