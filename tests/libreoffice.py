"""LibreOffice headless as the real spreadsheet in tests (see /work/shared/libreoffice-notes.md).

`convert(path, outdir)` opens a workbook in LibreOffice Calc and saves it again as .xlsx in
`outdir`: a fresh user profile per call (two processes on one profile silently lose a
conversion), recalculation forced on load, en-US locale, a timeout that kills the whole process
group (killing the `soffice` wrapper alone leaves `soffice.bin` running). LibreOffice exits 0
even when it cannot load a file, so success is judged by the output file existing.

Tests that use it carry the `libreoffice` marker; they fail (never skip) when `soffice` is
missing, because CI installs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SOFFICE = "soffice"
MAC_SOFFICE = [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
DEFAULT_TIMEOUT_S = 120.0

_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" \
oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" \
oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" \
oor:op="fuse"><value>en-US</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" \
oor:op="fuse"><value>en-US</value></prop></item>
</oor:items>
"""


@dataclass(frozen=True)
class Conversion:
    """One LibreOffice run: what it read, what it wrote, how long it took, what it said."""

    source: Path
    output: Path
    seconds: float
    stdout: str
    stderr: str


#: Every conversion of this test session, for reporting times.
CONVERSIONS: list[Conversion] = []


def soffice_path() -> str:
    """The soffice executable; AssertionError (a failure, not a skip) when it is missing."""
    found = shutil.which(SOFFICE) or next((str(p) for p in MAC_SOFFICE if p.exists()), None)
    if found is None:
        raise AssertionError("LibreOffice (soffice) is not installed; the `libreoffice` tests "
                             "need it: `make test` installs it (tests/setup/ensure-libreoffice.sh).")
    return found


def version() -> str:
    """`soffice --version`, e.g. "LibreOffice 7.4.7.2 40(Build:2)"."""
    with tempfile.TemporaryDirectory(prefix="lo-version-") as profile:
        done = _run([soffice_path(), f"-env:UserInstallation={Path(profile).as_uri()}",
                     "--version"], Path(profile), DEFAULT_TIMEOUT_S)
    return done.stdout.strip()


def convert(path: Path, outdir: Path, timeout: float = DEFAULT_TIMEOUT_S, to: str = "xlsx") -> Path:
    """Open `path` in LibreOffice headless and save it as `outdir/<stem>.<to>` (xlsx, or pdf
    to print it); return that path.

    `outdir` must differ from the source folder (LibreOffice would overwrite the source).
    """
    path, outdir = Path(path).resolve(), Path(outdir).resolve()
    if outdir == path.parent:
        raise ValueError(f"outdir must differ from the folder of {path.name}")
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{path.stem}.{to}"
    target.unlink(missing_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        (profile / "user").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        args = [soffice_path(), "--headless", "--norestore", "--nolockcheck",
                f"-env:UserInstallation={profile.as_uri()}",
                "--convert-to", to, "--outdir", str(outdir), str(path)]
        started = time.monotonic()
        done = _run(args, profile, timeout)
        seconds = time.monotonic() - started
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if not target.is_file():
        raise AssertionError(f"LibreOffice did not convert {path.name} (exit {done.returncode})."
                             f"\nstdout: {done.stdout}\nstderr: {done.stderr}")
    CONVERSIONS.append(Conversion(path, target, seconds, done.stdout, done.stderr))
    return target


def _run(args: list[str], home: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run LibreOffice in its own session; on timeout kill the whole process group."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "HOME": str(home)}
    env.pop("LANGUAGE", None)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        stdout, stderr = proc.communicate()
        raise AssertionError(f"LibreOffice timed out after {timeout:.0f} s: {' '.join(args)}"
                             f"\nstderr: {stderr}") from None
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    # The group id is the pid of the process we started with start_new_session=True; it is not
    # reaped yet (communicate timed out), so the id still names our group only.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
