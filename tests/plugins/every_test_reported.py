"""Fail a run that reports fewer tests than it collected (a crashed or dropped xdist worker).

A passing run must account for every collected test: a worker that dies or a test that ends
its process can otherwise leave a green summary with tests that never ran.
"""

from __future__ import annotations

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
        if session.exitstatus != pytest.ExitCode.OK or self.collected is None:
            return  # a failing or interrupted run already says so
        missing = [nodeid for nodeid in self.collected if nodeid not in self.reported]
        if not missing:
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{len(missing)} of {len(self.collected)} collected tests never reported:"]
        lines += [f"  {nodeid}" for nodeid in missing[:50]]
        for line in lines:
            if reporter is not None:
                reporter.write_line(line, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or the only process) counts
        config.pluginmanager.register(EveryTestReported(), "every-test-reported")
