"""Rules of the month-end close (issue 13): what the chart of accounts and the journal find
beyond validation. Like the flows' rules (engine/rules.py FLOW_RULES) they answer `rule()` now
and join RULES (the catalogue, the Rules sheet, the README) when the close is wired in.
"""

from __future__ import annotations

from engine.rules import RULES_BY_ID, E, Rule, W

CLOSE_RULES: tuple[Rule, ...] = (
    Rule("accounts.unknown_role", W, "An account role the close does not use",
         'Role "{value}" is not one of the close\'s roles ({detail}); the row is ignored.',
         'O papel "{value}" não é um dos papéis do fechamento ({detail}); a linha é ignorada.'),
    Rule("accounts.repeated_role", W, "An account role given twice",
         'Role "{value}" is given again ({detail}); the first row counts, this one is ignored.',
         'O papel "{value}" aparece de novo ({detail}); vale a primeira linha, esta é ignorada.'),
    Rule("journal.no_rate", E, "No FX rate to post a foreign amount",
         "{column}: no {detail} rate on or before {value} in FX Rates, so this row is not posted; "
         "add the rate.",
         "{column}: não há cotação {detail} em ou antes de {value} em Câmbio, então a linha não é "
         "lançada; inclua a cotação."),
)
RULES_BY_ID.update({close_rule.id: close_rule for close_rule in CLOSE_RULES})
