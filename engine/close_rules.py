"""Rules of the month-end close (issue 13): what the chart of accounts and the journal find
beyond validation (accounts.unknown_role, accounts.repeated_role, journal.no_rate). `close`
reports them, so they are in the catalogue: declared in engine/rules.py beside the flows' rules
(CLOSE_RULES, part of RULES: `backoffice rules`, the Rules sheet, the README), named here for the
close's modules.
"""

from __future__ import annotations

from engine.rules import CLOSE_RULES

__all__ = ["CLOSE_RULES"]
