"""The run guard: a test that disappears without a report turns a green run red."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SUITE = """
def test_one():
    pass

def test_two():
    pass

def test_vanishes():
    pass
"""

# Claims the test's run protocol without running or reporting it, as a lost worker would.
DROPPING_CONFTEST = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    return True if item.name == "test_vanishes" else None
"""


def _run(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.plugins.every_test_reported",
         "-p", "no:cacheprovider", "-p", "no:django", "-q", *args, str(directory)],
        cwd=directory, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_a_run_that_drops_a_test_fails_and_names_it(tmp_path, workers):
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "conftest.py").write_text(DROPPING_CONFTEST)

    result = _run(tmp_path, *workers)

    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "1 of 3 collected tests never reported" in result.stdout
    assert "test_suite.py::test_vanishes" in result.stdout


# Two tests with one node id, as schemathesis items get on pytest 9 without a parameter.
REPEATING_CONFTEST = """
def pytest_collection_modifyitems(items):
    items.append(items[0])
"""


def test_a_run_that_collects_one_id_twice_fails_and_names_it(tmp_path):
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "conftest.py").write_text(REPEATING_CONFTEST)

    result = _run(tmp_path)

    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "1 test ids collected more than once" in result.stdout
    assert "test_suite.py::test_one (x2)" in result.stdout


def test_a_failing_run_also_names_the_tests_it_dropped(tmp_path):
    (tmp_path / "test_suite.py").write_text(SUITE + "\ndef test_fails():\n    assert False\n")
    (tmp_path / "conftest.py").write_text(DROPPING_CONFTEST)

    result = _run(tmp_path)

    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "1 of 4 collected tests never reported" in result.stdout


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_a_run_that_reports_every_test_passes(tmp_path, workers):
    (tmp_path / "test_suite.py").write_text(SUITE)

    result = _run(tmp_path, *workers)

    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
    assert "never reported" not in result.stdout
