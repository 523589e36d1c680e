"""`backoffice addin build|install`: the add-in for this Python, where Excel loads it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from addin.doctor import ADDIN_NAME, addin_folder
from engine.errors import BadArguments


def build(out: Path) -> Path:
    """Build backoffice.xlam into `out` (no interpreter baked in: xlwings' default is used)."""
    from addin.build import build_addin

    return build_addin(out)


def install() -> Path:
    """Build the add-in for this interpreter and copy it into Excel's XLSTART folder, the way
    xlwings installs add-ins (`xlwings addin install` copies into the same folder)."""
    folder = addin_folder()
    if folder is None:
        raise BadArguments("Excel add-ins install on Windows and macOS only; on this system use "
                           "the backoffice command (or copy a built add-in to a Windows/Mac).")
    from addin.build import build_addin

    project = str(Path(__file__).resolve().parents[1])
    staging = Path.home() / ".backoffice" / "build"
    built = build_addin(staging, interpreter=sys.executable, pythonpath=project)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ADDIN_NAME
    try:
        shutil.copyfile(built, target)
    except PermissionError:
        raise BadArguments(f"{target} is in use: close Excel and run the command again.") from None
    return target
