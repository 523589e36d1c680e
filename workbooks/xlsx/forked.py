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
from collections.abc import Callable
from dataclasses import dataclass

ENABLED = sys.platform == "linux" and hasattr(os, "fork")
_DONE, _FAILED = b"\x01", b"\x00"


@dataclass
class Pending:
    """A child at work: `result()` waits for it."""

    pid: int
    fd: int

    def result(self) -> bytes | None:
        """The child's bytes, or None when it failed (the caller then does the work itself)."""
        try:
            with os.fdopen(self.fd, "rb") as pipe:
                status = pipe.read(1)
                data = pipe.read()
        finally:
            os.waitpid(self.pid, 0)
        return data if status == _DONE else None


def start(work: Callable[[], bytes]) -> Pending | None:
    """Run `work` in a forked child; None when forking is not available here."""
    if not ENABLED:
        return None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no memory or process slot for a child: the parent will do it
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid:
        os.close(write_fd)
        return Pending(pid, read_fd)
    os.close(read_fd)  # the child from here on: never returns
    try:
        data, status = work(), _DONE
    except BaseException:
        data, status = b"", _FAILED
    try:
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(status)
            pipe.write(data)
    finally:
        os._exit(0)
