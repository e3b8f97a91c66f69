"""Fail a run that reports fewer tests than it collected, or collects one id twice.

A passing run must account for every collected test: a lost xdist worker, or two tests with
one node id (xdist then runs only one of them), can otherwise leave a green summary with
tests that never ran. A failing run lists them too.
"""

from __future__ import annotations

from collections import Counter

import pytest


class EveryTestReported:
    def __init__(self) -> None:
        self.collected: list[str] | None = None
        self.reported: set[str] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # In-process run; under xdist the controller collects nothing and hears from workers.
        if not session.config.pluginmanager.hasplugin("dsession"):
            self.collected = [item.nodeid for item in session.items]

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        self.collected = list(ids)  # every worker collects the same ids (xdist checks)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reported.add(report.nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        stopped = session.shouldstop or session.shouldfail  # -x, --maxfail, Ctrl-C
        if self.collected is None or session.config.option.collectonly or stopped:
            return
        counts = Counter(self.collected)
        # xdist keys its work queue by node id: of a repeated id, only one test runs.
        repeated = [f"  {nodeid} (x{n})" for nodeid, n in counts.items() if n > 1]
        missing = [f"  {nodeid}" for nodeid in counts if nodeid not in self.reported]
        lines = []
        if repeated:
            lines += [f"{len(repeated)} test ids collected more than once:", *repeated[:50]]
        if missing:
            lines += [f"{len(missing)} of {len(counts)} collected tests never reported:"]
            lines += missing[:50]
        if not lines:
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for line in lines:
            if reporter is not None:
                reporter.write_line(line, red=True)
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or the only process) counts
        config.pluginmanager.register(EveryTestReported(), "every-test-reported")
