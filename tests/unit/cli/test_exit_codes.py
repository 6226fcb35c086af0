"""The CLI alone turns a call's StopReason into a process exit code (the README's "Exit codes" table)."""

from __future__ import annotations

from bulklike.cli.driver import exit_code
from bulklike.errors import EXIT_FATAL, EXIT_LIMIT, EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM, EXIT_SOME_FAILED
from bulklike.report import RunReport, StopReason


def report(
    reason: StopReason | None,
    *,
    pending: int = 0,
    command: str = "run",
    counts: dict[str, int] | None = None,
    journal: dict[str, int] | None = None,
) -> RunReport:
    return RunReport(
        command=command,
        counts=counts or {},
        pending=pending,
        journal_counts=journal or {},
        reason=reason,
        message=None,
        elapsed_s=1.0,
        wait_s=0.0,
        refused=0,
    )


def test_a_signal_is_its_code_and_a_stop_from_elsewhere_75() -> None:
    assert exit_code(report(StopReason.STOPPED, pending=3), EXIT_SIGINT) == EXIT_SIGINT
    assert exit_code(report(StopReason.STOPPED), EXIT_SIGTERM) == EXIT_SIGTERM
    assert exit_code(report(StopReason.STOPPED, pending=3)) == EXIT_LIMIT


def test_fatal_answers_and_endless_429s_are_3() -> None:
    assert exit_code(report(StopReason.FATAL_ANSWER, pending=9)) == EXIT_FATAL
    assert exit_code(report(StopReason.RATE_LIMITED, pending=9)) == EXIT_FATAL


def test_limits_are_75_while_work_is_pending_else_how_the_run_went() -> None:
    for reason in (StopReason.MAX_LIKES, StopReason.UNTIL, StopReason.OUTAGE, StopReason.USAGE_CAP):
        assert exit_code(report(reason, pending=1)) == EXIT_LIMIT
        assert exit_code(report(reason, journal={"liked": 5})) == EXIT_OK
        assert exit_code(report(reason, journal={"liked": 5, "failed": 1})) == EXIT_SOME_FAILED


def test_a_run_to_its_end_is_0_or_1() -> None:
    assert exit_code(report(None, journal={"liked": 2})) == EXIT_OK
    assert exit_code(report(None, journal={"liked": 2, "invalid": 1})) == EXIT_SOME_FAILED
    assert exit_code(report(None, counts={"invalid": 1})) == EXIT_SOME_FAILED
    assert exit_code(report(None, command="undo", counts={"unliked": 2}, journal={"failed": 4})) == EXIT_OK
    assert exit_code(report(None, command="undo", counts={"failed": 1})) == EXIT_SOME_FAILED
