"""One piece of pure work done in a forked child, on another core, while the parent goes on.

A close writes several sheets of hundreds of thousands of rows; rendering their XML is pure
Python and holds the GIL, so threads cannot share it. A forked child starts with the parent's
memory as it is (copy-on-write: nothing is pickled), renders one sheet and sends its bytes back
through a pipe. It is used only where fork is safe and cheap (Linux); elsewhere, or when the
child fails for any reason, the parent does the work itself, so the result never depends on it.
The child runs only our pure rendering code and exits with os._exit: no cleanup handlers, no
flushed buffers, nothing of the parent's touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

ENABLED = sys.platform == "linux" and hasattr(os, "fork")
_DONE, _FAILED = b"\x01", b"\x00"


@dataclass
class Pending:
    """A child at work: `result()` waits for it."""

    pid: int
    out: BinaryIO

    def result(self) -> bytes | None:
        """The child's bytes, or None when it failed (the caller then does the work itself)."""
        try:
            os.waitpid(self.pid, 0)
            self.out.seek(0)
            status = self.out.read(1)
            data = self.out.read()
        finally:
            self.out.close()
        return data if status == _DONE else None


def start(work: Callable[[BinaryIO], None]) -> Pending | None:
    """Run `work` in a forked child, writing its bytes to the file it is given; None when
    forking is not available here. The bytes go through an unlinked temporary file (the page
    cache), several times faster than a pipe for a few hundred MB."""
    if not ENABLED:
        return None
    out = tempfile.TemporaryFile()  # noqa: SIM115 - Pending.result closes it
    try:
        pid = os.fork()
    except OSError:  # no memory or process slot for a child: the parent will do it
        out.close()
        return None
    if pid:
        return Pending(pid, out)
    status = _FAILED  # the child from here on: never returns
    try:
        out.write(_FAILED)
        work(out)
        status = _DONE
    except BaseException:  # any failure is the parent's to redo and report
        pass
    try:
        out.seek(0)
        out.write(status)
        out.flush()
    finally:
        os._exit(0)
