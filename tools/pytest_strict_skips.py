"""pytest plugin loaded by the README's test command (-p pytest_strict_skips).

The test command sets LEDGER_STRICT_SKIPS: a skipped test (for instance a
browser tour when Chromium is missing) then fails instead of passing quietly.
"""

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("LEDGER_STRICT_SKIPS") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in strict mode: {report.longrepr}"
