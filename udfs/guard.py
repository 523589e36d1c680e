"""The one place the formula door turns an exception into what a cell shows: "#BO! <reason>".

A UDF must never hand Excel a traceback (xlwings would put the whole text in the cell). Bad user
data is not an exception (the engine returns issues); what is left is a wrong argument (our
BackOfficeError family, with a message written for the user) or a bug, shown as a short reason
and logged in full for whoever looks at the xlwings log.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from engine.errors import BackOfficeError

BO_ERROR = "#BO!"
MAX_REASON = 200  # a cell shows a line, not an essay
logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def bo_error(reason: str) -> str:
    """ "#BO! reason", on one line and short."""
    line = " ".join(reason.split())
    if len(line) > MAX_REASON:
        line = line[: MAX_REASON - 1] + "…"
    return f"{BO_ERROR} {line}"


def bo_guard(func: F) -> F:
    """Any exception from `func` becomes "#BO! <reason>". Goes under the xlwings decorators:
    functools.wraps keeps name, docstring and annotations, and sets __wrapped__, through which
    inspect.signature (what xlwings reads the arguments from) sees `func`'s own parameters."""

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BackOfficeError as exc:
            return bo_error(exc.message)
        except Exception as exc:
            logger.exception("%s failed", func.__name__)
            detail = str(exc).strip()
            return bo_error(f"internal error ({type(exc).__name__}{': ' + detail if detail else ''})")

    return guarded  # type: ignore[return-value]
