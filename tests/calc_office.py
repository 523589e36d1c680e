"""LibreOffice Calc with backoffice.oxt installed, headless, driven over UNO, for the tests.

`CalcOffice(oxt)` makes a fresh user profile, installs the extension into it with `unopkg add`
(as the profile's user: unopkg refuses to run as root without --shared, which would write into
the LibreOffice installation, so as root everything here runs as `nobody`), starts soffice
headless listening on a pipe, and `drive(actions)` runs tests/calc_driver.py under
/usr/bin/python3 (the Python that imports `uno`) as the same user. Files it opens must be in
`self.home` (made readable and writable for that user by `place`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from libreoffice import _REGISTRY, soffice_path

DRIVER = Path(__file__).resolve().parent / "calc_driver.py"
SYSTEM_PYTHON = "/usr/bin/python3"
NOBODY = 65534
TIMEOUT_S = 120.0


@contextlib.contextmanager
def udfs_imported_here() -> Iterator[None]:
    """Drop the udfs modules imported inside (undecorated, as xlwings leaves them off Windows),
    so tests that import them through xlwings' Windows decorators (tests/xlwings_stubs.py)
    later import them afresh."""
    def ours() -> set[str]:
        return {name for name in sys.modules if name == "udfs" or name.startswith("udfs.")}

    before = ours()
    try:
        yield
    finally:
        for name in ours() - before:
            del sys.modules[name]


class CalcOffice:
    """One soffice process with a fresh profile and the extension installed."""

    def __init__(self, oxt: Path | None = None, *, start: bool = True) -> None:
        self.user = NOBODY if os.geteuid() == 0 else None
        self.home = Path(tempfile.mkdtemp(prefix="bo-calc-"))
        self.home.chmod(0o777)  # the unprivileged user writes here; /tmp's sticky bit protects it
        self.profile = self.home / "profile"
        self.pipe = f"bo_calc_{os.getpid()}_{self.home.name[-8:]}"
        self.env = {**os.environ, "HOME": str(self.home), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        for name in ("LANGUAGE", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            self.env.pop(name, None)
        self.process: subprocess.Popen[bytes] | None = None
        self.install_seconds = 0.0
        if oxt is not None:
            self.prepare(self.profile)
            started = time.monotonic()
            done = self.run(["unopkg", "add", "--suppress-license", str(self.place(oxt)),
                             f"-env:UserInstallation={self.profile.as_uri()}"])
            if done.returncode != 0:
                raise AssertionError(f"unopkg add failed ({done.returncode}): {done.stderr}{done.stdout}")
            self.install_seconds = time.monotonic() - started
            if start:
                self.start()

    def prepare(self, profile: Path) -> None:
        """A user profile with recalculation on load and the en-US locale."""
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        self.chown(self.home)

    def start(self, profile: Path | None = None, *, soffice: str | None = None,
              headless: bool = True, log: Path | None = None) -> None:
        """Start soffice (headless unless told) on `profile` (default: the one unopkg installed
        into), listening on the pipe."""
        self.profile = profile or self.profile
        self.chown(self.home)
        window = ["--headless", "--invisible"] if headless else []
        self.process = subprocess.Popen(
            [soffice or soffice_path(), *window, "--norestore", "--nologo", "--nolockcheck",
             f"-env:UserInstallation={self.profile.as_uri()}",
             f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext"],
            env=self.env, user=self.user, group=self.user, extra_groups=[] if self.user else None,
            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True,
            stderr=log.open("wb") if log else subprocess.DEVNULL)

    def place(self, path: Path, name: str | None = None) -> Path:
        """Copy a file into the office's home (where its user can read and write it)."""
        target = self.home / (name or Path(path).name)
        shutil.copyfile(path, target)
        target.chmod(0o666)
        self.chown(target)
        return target

    def drive(self, actions: list[dict[str, Any]], pythonpath: list[str] | None = None) -> list[Any]:
        """Run the driver's actions (see tests/calc_driver.py); their results. `pythonpath`:
        folders the driver imports from (the project, to use the UNO adapter from outside)."""
        env = {"PYTHONPATH": os.pathsep.join(pythonpath)} if pythonpath else None
        done = self.run([SYSTEM_PYTHON, str(DRIVER), self.pipe, json.dumps(actions)], env=env)
        if done.returncode != 0:
            raise AssertionError(f"calc driver failed ({done.returncode}): {done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def close(self) -> None:
        """Ask soffice to quit; kill its process group if it does not."""
        if self.process is None:
            shutil.rmtree(self.home, ignore_errors=True)
            return
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self.run([SYSTEM_PYTHON, str(DRIVER), self.pipe, '[{"terminate": true}]'], timeout=20)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> CalcOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def chown(self, path: Path) -> None:
        """Give `path` (and what is under it) to the office's user."""
        if self.user is None:
            return
        for root, dirs, files in os.walk(path):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.chown(name, self.user, self.user)

    def run(self, args: list[str], timeout: float = TIMEOUT_S, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        """Run a command as the office's user, in its home; kill its group on timeout."""
        proc = subprocess.Popen(args, env={**self.env, **(env or {})}, user=self.user, group=self.user,
                                extra_groups=[] if self.user else None, cwd=self.home,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            raise AssertionError(f"timed out after {timeout:.0f} s: {args[:3]}\n{stderr}") from None
        return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)
