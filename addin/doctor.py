"""`backoffice doctor`: is this machine set up to run Back Office from Excel? Each check says
what it found and, when something is wrong, how to fix it."""

from __future__ import annotations

import importlib
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

ADDIN_NAME = "backoffice.xlam"


@dataclass(frozen=True)
class Check:
    """One finding."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks() -> list[Check]:
    """Every check, in the order a person would fix them."""
    return [_python(), _xlwings(), _xlwings_dll(), _pywin32(), _udf_module(), _addin(), _config(),
            _libreoffice()]


def _python() -> Check:
    version = platform.python_version()
    ok = sys.version_info >= (3, 11)
    return Check("Python", ok, f"{version} at {sys.executable}",
                 "" if ok else "Install Python 3.11 or newer and reinstall Back Office in it.")


def _xlwings() -> Check:
    try:
        import xlwings
    except ImportError as exc:
        return Check("xlwings", False, f"not importable ({exc})",
                     "pip install -e . in the Back Office folder (it installs xlwings).")
    return Check("xlwings", True, f"version {xlwings.__version__}")


def _xlwings_dll() -> Check:
    """Windows needs xlwings' DLL next to the interpreter or in the package for UDFs."""
    if os.name != "nt":
        return Check("xlwings DLL", True, "not needed on this system (Windows only)")
    import xlwings

    bits = "64" if sys.maxsize > 2**32 else "32"
    name = f"xlwings{bits}-{xlwings.__version__}.dll"
    places = [Path(sys.prefix) / name, Path(xlwings.__file__).parent / name,
              Path(sys.executable).parent / name]
    found = next((p for p in places if p.exists()), None)
    return Check("xlwings DLL", found is not None, str(found or f"{name} not found"),
                 "" if found else "Reinstall xlwings (pip install --force-reinstall xlwings).")


def _pywin32() -> Check:
    """The COM server (how Excel reaches Python on Windows) needs pywin32."""
    if os.name != "nt":
        return Check("COM server", True, "not needed on this system (Windows only)")
    try:
        importlib.import_module("pythoncom")
    except ImportError:
        return Check("COM server", False, "pywin32 is missing, so Excel cannot start Python",
                     "pip install pywin32, then run: python -m pywin32_postinstall -install. "
                     "If Excel still says the COM server did not start, close every Excel "
                     "window, end EXCEL.EXE in Task Manager and try again.")
    return Check("COM server", True, "pywin32 importable")


def _udf_module() -> Check:
    try:
        importlib.import_module("udfs.functions")
    except Exception as exc:  # any failure here is what Excel would show as #VALUE!
        return Check("UDF module", False, f"udfs.functions does not import ({exc})",
                     "Run `backoffice doctor` in the same environment Excel uses; reinstall "
                     "with pip install -e .")
    return Check("UDF module", True, "udfs.functions imports")


def addin_folder() -> Path | None:
    """Where Excel loads add-ins from at start-up for this user (XLSTART), if known."""
    home = Path.home()
    if os.name == "nt":
        appdata = os.environ.get("APPDATA")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART" if appdata else None
    if sys.platform == "darwin":
        return (home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "Library"
                / "Application Support" / "Microsoft" / "Office" / "Excel" / "XLSTART")
    return None


def _addin() -> Check:
    folder = addin_folder()
    if folder is None:
        return Check("Excel add-in", True, "no Excel on this system (Windows and macOS only); "
                     "the backoffice command works here")
    target = folder / ADDIN_NAME
    ok = target.exists()
    return Check("Excel add-in", ok, str(target) + ("" if ok else " is missing"),
                 "" if ok else "Run: backoffice addin install")


def _config() -> Check:
    """xlwings' user configuration must not point Excel at another interpreter."""
    conf = Path.home() / ".backoffice" / "backoffice.conf"
    if sys.platform == "darwin":
        conf = Path.home() / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "backoffice.conf"
    if not conf.exists():
        return Check("Configuration", True, "the add-in's own settings are used (no user file)")
    text = conf.read_text(errors="replace")
    ok = sys.executable in text or "INTERPRETER" not in text.upper()
    return Check("Configuration", ok, str(conf),
                 "" if ok else f"Its Interpreter is not {sys.executable}: delete the line or "
                 "run backoffice addin install again.")


def _libreoffice() -> Check:
    """The Calc door: LibreOffice's Python must be the one the extension was built for."""
    from addin.libreoffice.install import check

    finding = check()
    return Check("LibreOffice Calc", finding.ok, finding.detail, finding.fix)
