"""The period lock, read from the audit chain (never from the Periods sheet, which anyone can
type over): a period is closed when its latest "close" or "reopen" entry is a close."""

from __future__ import annotations

from dataclasses import dataclass

from engine.audit import AuditEntry

CLOSE, REOPEN, CLOSE_BLOCKED = "close", "reopen", "close blocked"
CLOSED, REOPENED = "Closed", "Reopened"
PERIODS_COLUMNS = ("Period", "Status", "By", "At", "Entry Hash")


@dataclass(frozen=True)
class PeriodState:
    """A period's latest close or reopen: its status, who, when (UTC ISO) and the entry's hash."""

    period: str
    status: str
    by: str
    at: str
    entry_hash: str

    @property
    def closed(self) -> bool:
        """Whether the period is locked."""
        return self.status == CLOSED


def period_states(entries: list[AuditEntry]) -> dict[str, PeriodState]:
    """Every period ever closed, with its latest state, in period order."""
    states: dict[str, PeriodState] = {}
    for e in entries:
        if e.action in (CLOSE, REOPEN) and e.period:
            status = CLOSED if e.action == CLOSE else REOPENED
            states[e.period] = PeriodState(e.period, status, e.user, e.timestamp, e.entry_hash)
    return dict(sorted(states.items()))


def closed_state(entries: list[AuditEntry], period: str) -> PeriodState | None:
    """The state of `period` when it is closed, else None."""
    state = period_states(entries).get(period)
    return state if state is not None and state.closed else None


def refusal(state: PeriodState) -> str:
    """What a refused run says: who closed the period and when."""
    day, _, time = state.at.partition("T")
    when = f"{day} at {time.rstrip('Z')} UTC" if time else state.at
    return (f"period {state.period} was closed by {state.by} on {when}; nothing was written. "
            f"Run `backoffice reopen BOOK --period {state.period} --reason TEXT` to change it.")
