"""The one exception family of the project.

Bad *user data* is never an exception: the engine returns `Issue` rows. These exceptions are for
the environment (a file that cannot be read, a write that would not be safe) and each door turns
them into a user message in exactly one place. `exit_code` follows workbook-spec.md.
"""


class BackOfficeError(Exception):
    """Base class: a condition the user must be told about, with an exit code for the CLI."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadArguments(BackOfficeError):
    """The command was called wrongly (exit 2)."""

    exit_code = 2


class UnreadableWorkbook(BackOfficeError):
    """The file is not a workbook we can read safely: left untouched (exit 2)."""

    exit_code = 2


class UnsafeWrite(BackOfficeError):
    """Writing would not be safe (open in Excel, locked, changed on disk, content at risk)."""

    exit_code = 3


class PeriodClosed(UnsafeWrite):
    """The period is locked by a close; jobs that would change it refuse."""
