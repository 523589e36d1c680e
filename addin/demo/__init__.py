"""`backoffice demo`: the demo workbook, its planted problems shown, every flow run, and a close.

The demo book carries planted errors on purpose (addin/demo/book.py), and an error blocks a
close, as it must. So the demo writes two files, the way a person works through a month:

    PATH                 the demo book as generated, validated and processed (`process all`):
                         the Issues sheet lists the planted problems and their cells are marked
                         (the README's smoke test opens it: Orders!F190 is red, with a note)
    <stem>-closed.xlsx   the same generated book with the planted ERRORS corrected as a person
                         would after reading the Issues sheet (addin/demo/corrections.py), then
                         `close` (validate, every flow, journal, trial balance, checklist, Close
                         Report, period locked): the demo ends with a successful close

Both go through the one door (addin/runner.py), as the CLI and the ribbon do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from addin import report
from addin.demo.book import DemoFacts, build_demo_workbook
from addin.demo.corrections import build_corrected_workbook
from addin.jobs import JobResult
from addin.runner import FileTarget, run_steps
from engine.errors import BadArguments
from workbooks.sheets.audit import head_path, pending_path


@dataclass
class DemoRun:
    """What the demo did: the processed book's steps, and the corrected copy's close."""

    path: Path
    facts: DemoFacts
    processed: list[JobResult]  # validate, then each `process all` step, on PATH
    closed_path: Path
    corrections: list[str]
    closing: list[JobResult]  # the `close` steps on the corrected copy; the last is the close

    @property
    def result(self) -> JobResult:
        """The demo's result for --json: the processed book's issues (the planted problems) and
        what each step and the close did."""
        first = self.processed[0]
        close = self.closing[-1]
        summary: dict[str, object] = {
            **first.summary,
            "steps": [{"command": r.command, "summary": r.summary} for r in self.processed],
            "closed_book": {"workbook": self.closed_path.name, "corrections": self.corrections,
                            "period": close.period, **close.summary},
        }
        return JobResult("demo", first.workbook, first.period,
                         sorted({id(i): i for r in self.processed for i in r.issues}.values(),
                                key=lambda i: (i.sheet, i.row or 0, i.column, i.rule)),
                         summary, self.processed[-1].written, self.processed[-1].audit)

    @property
    def closed(self) -> bool:
        """Whether the corrected copy closed (the demo's promise)."""
        return bool(self.closing[-1].summary.get("closed"))


def closed_copy_path(path: Path) -> Path:
    """Where the corrected, closed copy of the demo book goes: beside it, `<stem>-closed.xlsx`."""
    return path.with_name(f"{path.stem}-closed{path.suffix}")


def run_demo(path: Path, *, force: bool = False, progress: bool = True
             ) -> tuple[JobResult, DemoFacts]:
    """Build, validate, process and close the demo (see `demo`); the processed book's result
    (its planted problems listed) and the facts of what was generated."""
    run = demo(path, force=force, progress=progress)
    return run.result, run.facts


def demo(path: Path, *, force: bool = False, progress: bool = True) -> DemoRun:
    """Write the demo book at `path` (replacing it and its closed copy only with force),
    validate and process it; write the corrected copy and close it."""
    from addin.commands import COMMANDS, VALIDATE

    closed_path = closed_copy_path(path)
    for target in (path, closed_path):
        if target.exists() and not force:
            raise BadArguments(f"{target} already exists; pass --force to replace it with a new "
                               "demo.")
    path.parent.mkdir(parents=True, exist_ok=True)
    for target in (path, closed_path):  # a new book: the replaced one's audit head goes with it
        for old in (target, head_path(target), pending_path(target)):
            old.unlink(missing_ok=True)
    with report.progress("Writing the demo workbook", enabled=progress):
        facts = build_demo_workbook(path)
    with report.progress("Validating and processing the demo workbook", enabled=progress):
        processed = run_steps(FileTarget(path),
                              (VALIDATE, *COMMANDS["process all"].steps))
    with report.progress("Correcting the planted errors in a copy and closing it",
                         enabled=progress):
        corrections = build_corrected_workbook(closed_path)
        closing = run_steps(FileTarget(closed_path), COMMANDS["close"].steps)
    return DemoRun(path, facts, processed, closed_path, corrections, closing)
