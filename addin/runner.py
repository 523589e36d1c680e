"""The one door every writing job passes, from the command line and the ribbon alike.

`run_steps(target, steps)` runs one or more jobs in ONE session on a workbook file
(`FileTarget`) or a workbook open in Excel (`LiveTarget`):

    open (file: refuse if open in Excel, take the lock, remove temp files of killed runs)
    -> read the Audit Log once and settle what an interrupted run left in the head record
    -> refuse_if_period_closed (before any step runs)
    -> each step: read -> engine -> stage sheets -> one audit entry chained in memory
    -> record the pending head -> one save -> commit the head.

N steps give N audit entries, Seq consecutive, one per step (the log says which job did what;
`process all` / `close` will each be several steps), written with one save and one head.
`verify(target)` is the one audit verification both doors use.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from addin.jobs import Context, JobResult
from engine.audit import AuditChain, AuditEntry, Verdict, verify_chain
from engine.collector import collector_paused
from engine.errors import PeriodClosed, UnsafeWrite
from engine.periods import REOPEN, closed_state, refusal
from workbooks import safe_save
from workbooks.model import Workbook
from workbooks.sheets.audit import (
    drop_pending_head,
    read_audit_log,
    read_audit_rows,
    read_head_record,
    settle_head,
    write_head,
    write_pending_head,
)


@dataclass(frozen=True)
class Step:
    """One job of a run. `takes_period`: the job is called as job(book, ctx, period)."""

    action: str
    job: Callable[..., JobResult]
    takes_period: bool = False

    def run(self, book: Workbook, ctx: Context) -> JobResult:
        """Run the job on the session's book and context."""
        if self.takes_period:
            return self.job(book, ctx, ctx.period)
        return self.job(book, ctx)


class Target(Protocol):
    """Where a run reads and writes: a workbook file or a workbook open in Excel."""

    @property
    def head_file(self) -> Path | None:
        """The workbook file whose audit head is recorded outside it (None: not a local file)."""

    def session(self, *, writes: bool) -> contextlib.AbstractContextManager[Workbook]:
        """The workbook, opened for one run (locked while a writing run lasts)."""

    def input_sha256(self, book: Workbook) -> str:
        """The SHA-256 of the file as the run read it ("" when there is no file)."""

    def save(self, book: Workbook, before_replace: Callable[[], None]) -> list[str]:
        """Save the staged sheets; call `before_replace` just before the file on disk changes."""

    def settle_failed_save(self, book: Workbook) -> None:
        """After a save that raised: make the head record match the file on disk again."""


@dataclass
class FileTarget:
    """A workbook file, written with the safe-save protocol (workbooks/safe_save.py)."""

    path: Path

    @property
    def head_file(self) -> Path | None:
        """The workbook itself."""
        return self.path

    @contextlib.contextmanager
    def session(self, *, writes: bool) -> Iterator[Workbook]:
        """A writing run refuses a book open in Excel, takes the lock and removes the temp files
        of killed runs; a dry run only reads (no lock file; a book open in Excel is fine)."""
        from workbooks.xlsx.screening import inspect_file
        from workbooks.xlsx_file import FileWorkbook

        if not writes:
            yield FileWorkbook.open(self.path)
            return
        safe_save.refuse_if_open_in_excel(self.path)
        inspect_file(self.path)  # a bad file is refused before we create a lock file beside it
        with safe_save.workbook_lock(self.path):
            safe_save.remove_stale_temps(self.path)
            yield FileWorkbook.open(self.path, prefetch=True)

    def input_sha256(self, book: Workbook) -> str:
        """The hash taken when the file was opened."""
        return str(book.read_as.sha256)  # type: ignore[attr-defined]

    def save(self, book: Workbook, before_replace: Callable[[], None]) -> list[str]:
        """Safe save; a refusal caused by a sheet the user owns writes a sidecar instead."""
        before_replace()
        try:
            return book.save()
        except UnsafeWrite as refusal:
            raise _with_sidecar(book, refusal) from None

    def settle_failed_save(self, book: Workbook) -> None:
        """Unchanged on disk: the pending head goes. Changed (another program saved it, or the
        save failed after its replace): hold the head to the log the file now has."""
        from workbooks.xlsx_file import FileWorkbook

        if safe_save.fingerprint(self.path) == book.read_as:  # type: ignore[attr-defined]
            drop_pending_head(self.path)
            return
        with contextlib.suppress(Exception):  # unreadable now: the next run settles it
            settle_head(self.path, read_audit_log(FileWorkbook.open(self.path)))


@dataclass
class LiveTarget:
    """A workbook open in Excel (an xlwings Book): written into Excel, then saved by Excel."""

    book: Any
    read_as: str = ""

    @property
    def head_file(self) -> Path | None:
        """The book's file when it is a local file (not new, not a cloud URL)."""
        full = str(getattr(self.book, "fullname", "") or "")
        return Path(full) if full and "://" not in full and Path(full).exists() else None

    @contextlib.contextmanager
    def session(self, *, writes: bool) -> Iterator[Workbook]:
        """The live book; Excel itself keeps other writers out while it has it open."""
        from workbooks.live_excel import LiveWorkbook

        path = self.head_file
        self.read_as = safe_save.fingerprint(path).sha256 if path else ""
        yield LiveWorkbook(self.book)

    def input_sha256(self, book: Workbook) -> str:
        """The saved file's hash when the run started."""
        return self.read_as

    def save(self, book: Workbook, before_replace: Callable[[], None]) -> list[str]:
        """Write into Excel, then save the book: a run is a saved version, so the head recorded
        outside matches the file."""
        written = book.save()
        before_replace()
        self.book.save()
        return written

    def settle_failed_save(self, book: Workbook) -> None:
        """Excel's save did not change the file: the pending head goes (else the next run,
        reading the book, settles it)."""
        path = self.head_file
        if path is not None and safe_save.fingerprint(path).sha256 == self.read_as:
            drop_pending_head(path)


def refuse_if_period_closed(book: Workbook, ctx: Context, steps: Sequence[Step]) -> None:
    """The closed-period lock, called before any step of a run: a step that works on a period
    (validate, the flows, close) refuses with PeriodClosed (exit 3), naming who closed it and
    when, if that period's latest close/reopen in the audit chain is a close. The lock is read
    from the chain verified against the head recorded outside the book, never from the Periods
    sheet: a chain that does not verify cannot say whether the period is closed, so the run is
    refused too. `reopen` is the one step a closed period lets through."""
    if not any(step.takes_period and step.action != REOPEN for step in steps):
        return
    from addin.jobs import read_inputs

    period = read_inputs(book, ctx).period
    log = ctx.chain.read if ctx.chain is not None else read_audit_log(book)
    path = _book_file(book)
    record = read_head_record(path) if path is not None else None
    verdict = verify_chain(log, record.committed if record else None,
                           record.pending if record else None)
    if not verdict.ok:
        raise PeriodClosed(f"{book.name}: the audit log does not verify ({verdict.reason}), so "
                           f"whether period "
                           f"{period} is closed cannot be trusted; nothing was written. Restore the "
                           "workbook from its backup (`backoffice audit verify` names the row).")
    state = closed_state(log, period)
    if state is not None:
        raise PeriodClosed(refusal(state))


def _book_file(book: Workbook) -> Path | None:
    """The local file of a workbook (file adapter: its path; live Excel: its saved file)."""
    path = getattr(book, "path", None)
    if isinstance(path, Path):
        return path
    full = str(getattr(getattr(book, "book", None), "fullname", "") or "")
    return Path(full) if full and "://" not in full and Path(full).exists() else None


def run_steps(target: Target, steps: Sequence[Step], *, dry_run: bool = False,
              period: str | None = None) -> list[JobResult]:
    """Run `steps` in one session on `target`; save once unless dry_run. One result per step.
    The cycle collector is paused for the run: reading, the flows and the output sheets' layout
    make millions of acyclic objects it would rescan for nothing (a 100,000-line stock run's
    save: 89 s with it, 39 s without)."""
    with collector_paused(), target.session(writes=not dry_run) as book:
        log = read_audit_log(book)
        if not dry_run and target.head_file is not None:
            settle_head(target.head_file, log)  # under the lock: finish an interrupted run
        chain = AuditChain(log)
        ctx = Context.here(target.input_sha256(book), period=period, chain=chain)
        refuse_if_period_closed(book, ctx, steps)
        results = [step.run(book, ctx) for step in steps]
        if dry_run:
            for result in results:
                result.written, result.audit = [], None
            return results
        written = [name for name in _save(target, book, chain.added) if name]
    for result in results:
        result.written = written
    return results


def _save(target: Target, book: Workbook, added: list[AuditEntry]) -> list[str]:
    """Save with a crash-consistent head: pending before the file changes, committed after."""
    head_file = target.head_file
    head = added[-1] if added and head_file is not None else None

    def record_pending() -> None:
        if head is not None and head_file is not None:
            write_pending_head(head_file, head)
            safe_save.crash_point("head-pending")

    try:
        written = target.save(book, record_pending)
    except BaseException:
        if head is not None:
            target.settle_failed_save(book)
        raise
    if head is not None and head_file is not None:
        write_head(head_file, head)
        safe_save.crash_point("head-committed")
    return written


def verify(target: Target) -> tuple[list[AuditEntry], Verdict]:
    """The audit log of the target and the verdict on its chain, held to the head recorded
    outside (and to a pending head an interrupted run left). Read-only: no lock, no settling
    (an auditor may only have read access, and a run may be saving right now)."""
    with target.session(writes=False) as book:
        log, rows = read_audit_rows(book)
    path = target.head_file
    record = read_head_record(path) if path is not None else None
    verdict = verify_chain(log, record.committed if record else None,
                           record.pending if record else None)
    if verdict.bad_index is not None:
        verdict = dataclasses.replace(verdict, row=rows[min(verdict.bad_index, len(rows) - 1)])
    return log, verdict


def _with_sidecar(book: Any, refusal: UnsafeWrite) -> UnsafeWrite:
    """Write the results to `<name>.results.xlsx` and extend the refusal message."""
    from workbooks.xlsx.sidecar import write_sidecar

    if not book.conflicts():
        return refusal
    sidecar = write_sidecar(book.path, list(book.staged.values()))
    return UnsafeWrite(f"{refusal.message} The results were written to {sidecar.name} instead.")
