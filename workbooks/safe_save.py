"""Safe saving of shared workbooks without Excel.

- A separate lock file serialises our own runs (the workbook itself is never locked).
- Excel's owner file `~$<name>` means someone has the book open: we refuse, naming them.
- We write a temp file in the same folder, fsync it, verify it opens, keep a timestamped backup
  of the original (the last N), refuse if the original changed on disk since we read it, and
  replace atomically. A failure at any step leaves the original untouched.
- The temp file is `.<stem>.<pid>.tmp<suffix>`: a run killed mid-save leaves it behind, and the
  next run (under the lock) removes the temp files whose process is gone (`remove_stale_temps`).
- `crash_point(step)` marks each moment of a save; tests make it kill the process there.
"""

from __future__ import annotations

import contextlib
import getpass
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.errors import BadArguments, UnsafeWrite

BACKUP_DIR = ".backoffice-backups"
DEFAULT_KEEP = 10
DEFAULT_LOCK_TIMEOUT_S = 60.0


def lock_timeout() -> float:
    """Seconds to wait for another run's lock: BACKOFFICE_LOCK_TIMEOUT, default 60."""
    text = os.environ.get("BACKOFFICE_LOCK_TIMEOUT", "")
    if not text:
        return DEFAULT_LOCK_TIMEOUT_S
    try:
        return max(0.0, float(text))
    except ValueError:
        raise BadArguments(f"BACKOFFICE_LOCK_TIMEOUT={text!r} is not a number of seconds.") from None


@dataclass(frozen=True)
class Fingerprint:
    """What the file looked like when we read it."""

    size: int
    mtime_ns: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint:
    """Size, modification time and content hash of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    stat = path.stat()
    return Fingerprint(stat.st_size, stat.st_mtime_ns, digest.hexdigest())


def lock_path(path: Path) -> Path:
    """The lock file of a workbook: a hidden file beside it."""
    return path.with_name(f".{path.name}.backoffice.lock")


@contextlib.contextmanager
def workbook_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the workbook's lock file for the duration; wait up to `timeout` seconds for it.

    The lock file is never deleted: deleting it would let two runs lock two different files.
    """
    target = lock_path(path)
    timeout = lock_timeout() if timeout is None else timeout
    try:
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise UnsafeWrite(f"cannot create the lock file {target.name} beside the workbook "
                          f"({exc.strerror}); the folder must be writable.") from None
    try:
        _acquire(fd, target, timeout)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "user": current_user(),
                                 "host": socket.gethostname()}).encode())
        yield
    finally:
        _release(fd)
        os.close(fd)


def _acquire(fd: int, target: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if _try_lock(fd):
            return
        if time.monotonic() >= deadline:
            holder = target.read_text(errors="replace").strip() or "another run"
            raise UnsafeWrite(f"{target.name[1:-len('.backoffice.lock')]} is being updated by "
                              f"another Back Office run ({holder}); try again when it finishes.")
        time.sleep(0.02)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _release(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def current_user() -> str:
    """The operating-system user running the job."""
    try:
        return getpass.getuser()
    except Exception:  # no user database (containers)
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def excel_owner(path: Path) -> str | None:
    """The user named in Excel's owner file `~$<name>` if the book is open in Excel, else None."""
    for name in (f"~${path.name}", f"~${path.name[2:]}"):
        owner = path.with_name(name)
        if owner.is_file():
            return _owner_name(owner.read_bytes()) or "another user"
    return None


def _owner_name(data: bytes) -> str:
    # Layout: byte 0 = length of the ANSI name that follows; from byte 55, the UTF-16 name.
    if data and 0 < data[0] <= 53:
        name = data[1 : 1 + data[0]].decode("latin-1", errors="replace").strip()
        if name:
            return name
    return data[55:].decode("utf-16-le", errors="ignore").split("\x00")[0].strip()


def refuse_if_open_in_excel(path: Path) -> None:
    """Exit 3 (UnsafeWrite) when Excel has the workbook open."""
    owner = excel_owner(path)
    if owner:
        raise UnsafeWrite(f"{path.name} is open in Excel by {owner}; close it there (or ask "
                          f"{owner} to) and run again. Nothing was written.")


def crash_point(step: str) -> None:
    """A named moment of a save ("temp-written", "temp-synced", "replaced"; the runner adds
    "head-pending" and "head-committed"). It does nothing: tests/test_crash_safety.py replaces it
    to kill the process at that moment, proving every moment leaves a consistent workbook."""


def temp_path(path: Path, pid: int | None = None) -> Path:
    """The temp file a save by process `pid` (default: this one) writes beside `path`."""
    return path.with_name(f".{path.stem}.{os.getpid() if pid is None else pid}.tmp{path.suffix}")


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove the temp files of `path` left by saves whose process is gone (killed mid-save).
    Call under the workbook's lock. A temp whose pid is alive is never touched, even if that
    pid now belongs to another program (it is removed by a later run)."""
    pattern = re.compile(re.escape(f".{path.stem}.") + r"(\d+)" + re.escape(f".tmp{path.suffix}"))
    removed = []
    for candidate in path.parent.glob(f".{glob.escape(path.stem)}.*.tmp{glob.escape(path.suffix)}"):
        match = pattern.fullmatch(candidate.name)
        if match and int(match.group(1)) != os.getpid() and not process_alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (when unsure: alive)."""
    if pid <= 0:
        return True
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate it on Windows
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def _windows_process_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return bool(kernel32.GetLastError() == 5)  # ERROR_ACCESS_DENIED: it exists
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def replace_safely(path: Path, read_as: Fingerprint, write: Callable[[Path], None],
                   verify: Callable[[Path], None], keep: int | None = None,
                   now: datetime | None = None) -> Path | None:
    """Write a new version of `path` through `write(temp)`, verify it, back up the original and
    swap atomically. Returns the backup path (None for a new file)."""
    temp = temp_path(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise UnsafeWrite(f"{path.name} is read-only; nothing was written.")
    try:
        write(temp)
        crash_point("temp-written")
        if path.exists():
            shutil.copymode(path, temp)  # a group-writable shared book stays group-writable
        _fsync(temp)
        verify(temp)
        crash_point("temp-synced")
        refuse_if_open_in_excel(path)
        if path.exists() and fingerprint(path) != read_as:
            raise UnsafeWrite(f"{path.name} changed on disk while we worked (someone saved it); "
                              "nothing was written; run again to use the new version.")
        keep = DEFAULT_KEEP if keep is None else keep
        backup = _backup(path, keep, now or datetime.now(UTC)) if path.exists() else None
        os.replace(temp, path)
        crash_point("replaced")
        _fsync_dir(path.parent)
        return backup
    finally:
        temp.unlink(missing_ok=True)


def _backup(path: Path, keep: int, now: datetime) -> Path:
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    backup = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, backup)
    mine = re.compile(re.escape(path.stem) + r"\.\d{8}T\d{12}Z" + re.escape(path.suffix))
    old = sorted(p for p in folder.iterdir() if mine.fullmatch(p.name))
    for stale in old[: max(0, len(old) - keep)]:
        stale.unlink(missing_ok=True)
    return backup


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
