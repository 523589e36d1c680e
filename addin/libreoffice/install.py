"""`backoffice addin install --target libreoffice`: backoffice.oxt for this Python environment,
installed for the current user with LibreOffice's `unopkg`.

LibreOffice runs extensions in its own Python: on Debian the system's /usr/bin/python3 (with
python3-uno), on macOS and Windows the one it bundles. The engine's packages must be importable
there, so the environment Back Office is installed in must be made from that same Python with
`--system-site-packages` (which keeps `uno` importable); the extension is built with this
environment's folders (the project and its site-packages) on its sys.path. `check()` is the
doctor's view of the same match; `RECORD` remembers what was installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from engine.errors import BadArguments

PROJECT = Path(__file__).resolve().parents[2]
UNOPKG_PLACES = (Path("/Applications/LibreOffice.app/Contents/MacOS/unopkg"),
                 Path("C:/Program Files/LibreOffice/program/unopkg.com"))
SOFFICE_PLACES = (Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
                  Path("C:/Program Files/LibreOffice/program/soffice.exe"))
VENV_FIX = ("Make the environment from LibreOffice's Python and install Back Office in it: "
            "/usr/bin/python3 -m venv --system-site-packages ~/.venvs/backoffice-calc && "
            f"~/.venvs/backoffice-calc/bin/pip install -e {PROJECT} && "
            "~/.venvs/backoffice-calc/bin/backoffice addin install --target libreoffice")


def record_path() -> Path:
    """Where the install is remembered (for `backoffice doctor`)."""
    return Path.home() / ".backoffice" / "libreoffice.json"


def unopkg() -> Path | None:
    """LibreOffice's extension manager, if LibreOffice is installed."""
    found = shutil.which("unopkg")
    return Path(found) if found else next((p for p in UNOPKG_PLACES if p.exists()), None)


def soffice() -> Path | None:
    """LibreOffice itself, if installed."""
    found = shutil.which("soffice")
    return Path(found) if found else next((p for p in SOFFICE_PLACES if p.exists()), None)


def uno_importable() -> bool:
    """True when this interpreter imports LibreOffice's `uno` (it is LibreOffice's Python, or
    a virtual environment made from it with --system-site-packages)."""
    try:
        import uno  # noqa: F401
    except ImportError:
        return False
    return True


def environment_paths() -> list[str]:
    """The folders LibreOffice's Python needs on sys.path: the project and this environment's
    site-packages (the system's own it has already)."""
    paths = [str(PROJECT)]
    for key in ("purelib", "platlib"):
        folder = sysconfig.get_paths()[key]
        if folder not in paths and sys.prefix != sys.base_prefix:  # a virtual environment
            paths.append(folder)
    return paths


def install() -> Path:
    """Build backoffice.oxt for this environment and add it for the current user."""
    from addin.libreoffice.build import build_oxt

    tool = unopkg()
    if tool is None:
        raise BadArguments("LibreOffice is not installed (no unopkg found); install LibreOffice "
                           "(Debian: apt-get install libreoffice-calc python3-uno "
                           "libreoffice-script-provider-python) and run the command again.")
    if not uno_importable():
        raise BadArguments(f"This Python ({sys.executable}) is not LibreOffice's: it cannot "
                           f"import uno. {VENV_FIX}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        raise BadArguments("unopkg does not install an extension for root; run the command as "
                           "the user who opens LibreOffice.")
    oxt = build_oxt(Path.home() / ".backoffice" / "build-libreoffice", environment_paths())
    done = subprocess.run([str(tool), "add", "--force", "--suppress-license", str(oxt)],
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BadArguments(f"unopkg could not add {oxt.name}: {detail[-1] if detail else done.returncode}. "
                           "Close LibreOffice and run the command again.")
    record = {"oxt": str(oxt), "python": sys.executable, "paths": environment_paths()}
    record_path().parent.mkdir(parents=True, exist_ok=True)
    record_path().write_text(json.dumps(record, indent=2), encoding="utf-8")
    return oxt


@dataclass(frozen=True)
class Finding:
    """What doctor says about the Calc door."""

    ok: bool
    detail: str
    fix: str = ""


def check() -> Finding:
    """Is LibreOffice's Python the one the installed extension (if any) was built for?"""
    office = soffice()
    if office is None:
        return Finding(True, "LibreOffice is not installed (optional: the Calc door)")
    path = record_path()
    if not path.exists():
        where = "this Python can run it" if uno_importable() else "not from this Python (no uno)"
        return Finding(True, f"{office} found; the Back Office extension is not installed "
                       f"(optional: backoffice addin install --target libreoffice; {where})")
    record = json.loads(path.read_text(encoding="utf-8"))
    missing = [p for p in record.get("paths", []) if not Path(p).exists()]
    if missing:
        return Finding(False, f"the extension imports Back Office from {missing[0]}, which is gone",
                       VENV_FIX)
    if record.get("python") == sys.executable and not uno_importable():
        return Finding(False, f"the extension was installed from {sys.executable}, which cannot "
                       "import uno (LibreOffice's Python)", VENV_FIX)
    if record.get("python") != sys.executable:
        return Finding(True, f"the extension runs Back Office from {record.get('python')} "
                       f"(not this Python, {sys.executable}); reinstall from here to use this one")
    return Finding(True, f"the extension runs Back Office from {sys.executable} in LibreOffice's Python")
