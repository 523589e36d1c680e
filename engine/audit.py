"""The tamper-evident audit log: entries chained by SHA-256 (workbook-spec.md, "Audit log").

Entry Hash = sha256_hex(Prev Hash + "\\n" + canonical_json(entry)), where entry is
{seq, timestamp, user, host, action, period, details, input_sha256}; the first Prev Hash is 64
zeros. Pure functions: the clock, user and host come in as arguments.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

GENESIS = "0" * 64
COLUMNS = ("Seq", "Timestamp", "User", "Host", "Action", "Period", "Details", "Input SHA-256",
           "Prev Hash", "Entry Hash")


@dataclass(frozen=True)
class AuditEntry:
    """One row of the Audit Log sheet."""

    seq: int
    timestamp: str
    user: str
    host: str
    action: str
    period: str
    details: str
    input_sha256: str
    prev_hash: str
    entry_hash: str

    def as_row(self) -> list[str | int]:
        """The row as written: every cell text except Seq."""
        return [self.seq, self.timestamp, self.user, self.host, self.action, self.period,
                self.details, self.input_sha256, self.prev_hash, self.entry_hash]


def canonical_json(entry: dict[str, object]) -> str:
    """The spec's canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, seq: int, timestamp: str, user: str, host: str, action: str,
               period: str, details: str, input_sha256: str) -> str:
    """The Entry Hash of a row from its values and the previous row's hash."""
    entry = {"seq": seq, "timestamp": timestamp, "user": user, "host": host, "action": action,
             "period": period, "details": details, "input_sha256": input_sha256}
    return hashlib.sha256((prev_hash + "\n" + canonical_json(entry)).encode("utf-8")).hexdigest()


def next_entry(log: list[AuditEntry], *, timestamp: str, user: str, host: str, action: str,
               period: str, details: str, input_sha256: str) -> AuditEntry:
    """The entry to append after `log` (chained to its last row as it stands)."""
    prev = log[-1].entry_hash if log else GENESIS
    seq = log[-1].seq + 1 if log else 1
    digest = entry_hash(prev, seq, timestamp, user, host, action, period, details, input_sha256)
    return AuditEntry(seq, timestamp, user, host, action, period, details, input_sha256, prev,
                      digest)


@dataclass
class AuditChain:
    """The log of one run: the entries as the run read them (once, when it opened the workbook)
    and the entries its steps added. Every step of a run appends here, so N steps give N entries
    chained one to the next (Seq consecutive) and are written with one save."""

    read: list[AuditEntry]
    added: list[AuditEntry] = field(default_factory=list)

    @property
    def entries(self) -> list[AuditEntry]:
        """The whole log as the run will write it."""
        return [*self.read, *self.added]

    @property
    def last(self) -> AuditEntry | None:
        """The newest entry (this run's last one, or the last one read)."""
        return self.added[-1] if self.added else (self.read[-1] if self.read else None)

    def append(self, *, timestamp: str, user: str, host: str, action: str, period: str,
               details: str, input_sha256: str) -> AuditEntry:
        """Chain one more entry to the newest one and keep it."""
        tail = [self.last] if self.last is not None else []
        entry = next_entry(tail, timestamp=timestamp, user=user, host=host, action=action,
                           period=period, details=details, input_sha256=input_sha256)
        self.added.append(entry)
        return entry


Head = tuple[int, str]  # (seq, entry_hash) of the newest entry, recorded outside the workbook


@dataclass(frozen=True)
class Verdict:
    """The result of verifying a chain: intact, or the first row that breaks it and why."""

    ok: bool
    entries: int
    bad_index: int | None = None
    reason: str = ""
    row: int | None = None  # where the caller's sheet holds entry bad_index (set by the caller)
    warning: str = ""  # intact, but something the reader should know (no head, rows after it)


def verify_chain(log: list[AuditEntry], head: Head | None = None, pending: Head | None = None
                 ) -> Verdict:
    """Recompute every hash. `head` is the (seq, entry_hash) recorded outside the sheet; a log
    that ends before it, or whose hash at that seq differs, has been cut or recomputed.

    `pending` is the head a run recorded just before replacing the workbook and had not yet
    confirmed (it was interrupted, or is saving right now). A log that reaches it is the new
    version, held to the pending head; any other log is the version before it, held to `head`.
    Either way an interrupted save never reads as tampering."""
    prev = GENESIS
    for index, e in enumerate(log):
        if e.seq != index + 1:
            return Verdict(False, len(log), index, f"Seq is {e.seq}, expected {index + 1} "
                           "(a row was deleted, inserted or moved)")
        if e.prev_hash != prev:
            return Verdict(False, len(log), index, "Prev Hash does not match the row above "
                           "(a row was deleted, inserted or moved)")
        expected = entry_hash(prev, e.seq, e.timestamp, e.user, e.host, e.action, e.period,
                              e.details, e.input_sha256)
        if e.entry_hash != expected:
            return Verdict(False, len(log), index, "Entry Hash does not match the row's values "
                           "(a cell was edited)")
        prev = e.entry_hash
    if pending is not None and reaches(log, pending):
        return _check_head(log, pending)
    verdict = _check_head(log, head)
    if pending is not None and verdict.ok and not verdict.warning:
        note = (f"a run that would have added entries up to Seq {pending[0]} was interrupted "
                "before its save; the workbook is the version before it")
        return Verdict(True, len(log), warning=note)
    return verdict


def reaches(log: list[AuditEntry], head: Head) -> bool:
    """Whether the log holds the entry `head` names (same Seq, same Entry Hash)."""
    seq, digest = head
    return 0 < seq <= len(log) and log[seq - 1].entry_hash == digest


def _check_head(log: list[AuditEntry], head: Head | None) -> Verdict:
    if head is None:
        warning = ("no head is recorded outside the workbook, so rows deleted from the end "
                   "cannot be detected") if log else ""
        return Verdict(True, len(log), warning=warning)
    seq, digest = head
    if len(log) < seq:
        return Verdict(False, len(log), len(log), f"the log ends at Seq {len(log)} but the "
                       f"recorded head is Seq {seq} (rows were deleted from the end)")
    if log[seq - 1].entry_hash != digest:
        return Verdict(False, len(log), seq - 1, f"Seq {seq} differs from the recorded head "
                       "(the chain was recomputed after an edit)")
    if len(log) > seq:
        return Verdict(True, len(log), warning=f"{len(log) - seq} entries after the recorded head "
                       f"(Seq {seq}) were not written by a completed run")
    return Verdict(True, len(log))
