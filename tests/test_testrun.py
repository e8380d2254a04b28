"""make test's lanes (cka.testrun): the steps beside the lab start with it, the graders wait for
them, the second cluster's lane runs on through the graders and the run waits for it at the end,
a failure beside the lab prints its log's end and fails the run. Real subprocesses, tiny steps."""

from __future__ import annotations

import sys

import pytest

from cka import testrun


def step(name: str, code: str, needs: tuple[str, ...] = ()) -> testrun.Step:
    return (name, [sys.executable, "-c", code], needs, {})


@pytest.fixture
def lanes(tmp_path, monkeypatch):
    monkeypatch.setattr(testrun, "REPORTS", tmp_path / "reports")
    monkeypatch.setattr(testrun, "STEP_LOGS", tmp_path / "reports" / "steps")
    mark = tmp_path / "marks"
    mark.mkdir()

    def configure(main: list[testrun.Step], beside: list[testrun.Step], second: list[testrun.Step] = ()) -> None:
        monkeypatch.setattr(testrun, "STEPS", main)
        monkeypatch.setattr(testrun, "BESIDE", beside)
        monkeypatch.setattr(testrun, "SECOND_CLUSTER", list(second))

    return configure, mark


def test_beside_lane_runs_during_the_lab_and_the_graders_wait_for_it(lanes, capsys):
    configure, mark = lanes
    configure(
        [step("tools", "pass"),
         step("lab", f"import time, pathlib; time.sleep(2); pathlib.Path({str(mark / 'lab')!r}).touch()"),
         step("practice: graders", f"import pathlib, sys; sys.exit(0 if pathlib.Path({str(mark / 'side')!r}).exists() else 3)")],
        # Started with the lab: the lab's mark is not there yet; it ends after the lab, so the graders must wait.
        [step("side", f"import time, pathlib, sys; started_early = not pathlib.Path({str(mark / 'lab')!r}).exists(); "
                      f"time.sleep(3); pathlib.Path({str(mark / 'side')!r}).touch(); print('side' + ' output'); "
                      "sys.exit(0 if started_early else 4)", needs=("tools",))],
    )
    assert testrun.main() == 0
    out = capsys.readouterr().out
    assert "waits for the steps beside the lab" in out
    assert "side output" not in out  # the passing step's output stays in its log
    assert "(beside the lab)" in out.split("==> summary")[1]


def test_failure_beside_the_lab_prints_the_log_end_and_fails_the_run(lanes, capsys):
    configure, _ = lanes
    configure([step("tools", "pass"), step("lab", "pass"), step("practice: graders", "pass")],
              [step("side", "print('the reason it broke'); raise SystemExit(2)")])
    assert testrun.main() == 1
    out = capsys.readouterr()
    assert "[side] the reason it broke" in out.out
    assert "side" in out.err


def test_beside_lane_runs_even_when_the_main_lane_has_no_lab(lanes):
    configure, mark = lanes
    configure([step("tools", "pass")], [step("side", f"import pathlib; pathlib.Path({str(mark / 'side')!r}).touch()")])
    assert testrun.main() == 0
    assert (mark / "side").exists()


def test_second_cluster_lane_starts_with_the_lab_runs_past_the_graders_and_is_waited_for(lanes, capsys):
    configure, mark = lanes
    configure(
        [step("tools", "pass"),
         step("lab", f"import time, pathlib; time.sleep(1); pathlib.Path({str(mark / 'lab')!r}).touch()"),
         # The graders do not wait for the second cluster's lane: it is still running when they end.
         step("practice: graders", f"import pathlib, sys; sys.exit(3 if pathlib.Path({str(mark / 'second')!r}).exists() "
                                   "else 0)")],
        [step("side", "pass")],
        [step("second", f"import time, pathlib, sys; started_early = not pathlib.Path({str(mark / 'lab')!r}).exists(); "
                        f"time.sleep(4); pathlib.Path({str(mark / 'second')!r}).touch(); "
                        "sys.exit(0 if started_early else 4)", needs=("tools",))],
    )
    assert testrun.main() == 0
    assert (mark / "second").exists()  # the run waited for the lane before its summary
    summary = capsys.readouterr().out.split("==> summary")[1]
    assert "second" in summary and "(beside the lab)" in summary
