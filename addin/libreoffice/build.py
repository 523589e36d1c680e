"""Build backoffice.oxt, the LibreOffice Calc extension, from text sources.

This is the work of `backoffice addin build --target libreoffice [--out DIR]`: `build_oxt(out)`.
Everything in the package is generated from the formula functions' declarations
(addin.libreoffice.declarations) and the Excel ribbon (addin/excel/customUI14.xml) by
addin.libreoffice.sources, except the type library: types/backoffice.rdb, compiled from
types/backoffice.idl by LibreOffice's `unoidl-write` (Debian: libreoffice-dev). Both are kept in
the repository (a few hundred bytes) so a build needs no SDK; when the functions change, run
`python -m addin.libreoffice.build --update-types` where unoidl-write is installed (a test
checks the kept pair matches the declarations, and recompiles it when the tool is present).

Reproducible: the same sources give byte-identical files (fixed zip dates, sorted entries).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from addin.libreoffice import sources
from addin.libreoffice.declarations import declared_functions
from engine.errors import BadArguments

OXT_FILE = "backoffice.oxt"
TYPES = Path(__file__).resolve().parent / "types"
KEPT_IDL, KEPT_RDB = TYPES / "backoffice.idl", TYPES / "backoffice.rdb"
SDK_PLACES = (Path("/usr/lib/libreoffice/sdk/bin/unoidl-write"),
              Path("/Applications/LibreOffice.app/Contents/Resources/sdk/bin/unoidl-write"))
URE_TYPES = (Path("/usr/lib/libreoffice/program/types.rdb"),
             Path("/Applications/LibreOffice.app/Contents/Resources/ure/share/misc/types.rdb"))
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def unoidl_write() -> Path | None:
    """LibreOffice's IDL compiler, if installed."""
    found = shutil.which("unoidl-write")
    return Path(found) if found else next((p for p in SDK_PLACES if p.exists()), None)


def compile_idl(idl_text: str) -> bytes:
    """The type library of `idl_text`, compiled by unoidl-write."""
    tool = unoidl_write()
    ure = next((p for p in URE_TYPES if p.exists()), None)
    if tool is None or ure is None:
        raise BadArguments("unoidl-write (LibreOffice SDK) is not installed: on Debian "
                           "`apt-get install libreoffice-dev`.")
    with tempfile.TemporaryDirectory(prefix="bo-idl-") as folder:
        idl, rdb = Path(folder) / "backoffice.idl", Path(folder) / "backoffice.rdb"
        idl.write_text(idl_text, encoding="utf-8")
        done = subprocess.run([str(tool), str(ure), str(idl), str(rdb)], capture_output=True,
                              text=True, timeout=60, check=False)
        if done.returncode != 0 or not rdb.exists():
            raise RuntimeError(f"unoidl-write failed: {done.stderr.strip() or done.stdout.strip()}")
        return rdb.read_bytes()


def type_library(idl_text: str) -> bytes:
    """The kept .rdb when its .idl is this one; else a fresh compile (needs unoidl-write)."""
    if KEPT_IDL.exists() and KEPT_RDB.exists() and KEPT_IDL.read_text(encoding="utf-8") == idl_text:
        return KEPT_RDB.read_bytes()
    if unoidl_write() is None:
        raise BadArguments("The formula functions changed since types/backoffice.rdb was compiled: "
                           "install libreoffice-dev (unoidl-write) and run "
                           "`python -m addin.libreoffice.build --update-types`.")
    return compile_idl(idl_text)


def update_types() -> Path:
    """Recompile the kept type library from the current declarations."""
    text = sources.idl(declared_functions())
    rdb = compile_idl(text)
    TYPES.mkdir(exist_ok=True)
    KEPT_IDL.write_text(text, encoding="utf-8")
    KEPT_RDB.write_bytes(rdb)
    return KEPT_RDB


def package_files(paths: list[str]) -> dict[str, bytes]:
    """Every file of the extension, by its path in the package."""
    functions = declared_functions()
    text = {
        "META-INF/manifest.xml": sources.manifest(),
        "description.xml": sources.description(),
        "CalcAddIns.xcu": sources.calc_addins_xcu(functions),
        "ProtocolHandler.xcu": sources.protocol_handler_xcu(),
        "Addons.xcu": sources.addons_xcu(sources.buttons()),
        "WindowState.xcu": sources.window_state_xcu(),
        sources.COMPONENT: sources.component(functions, paths),
        "types/backoffice.idl": sources.idl(functions),
    }
    files = {name: body.encode("utf-8") for name, body in text.items()}
    files[sources.RDB] = type_library(text["types/backoffice.idl"])
    return files


def build_oxt(out: Path, paths: list[str] | None = None) -> Path:
    """Write `out/backoffice.oxt`. `paths`: folders LibreOffice's Python must import the
    engine from (the project and the environment's site-packages); none: the extension imports
    what LibreOffice's Python already has."""
    files = package_files(list(paths or []))
    out.mkdir(parents=True, exist_ok=True)
    target = out / OXT_FILE
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    partial.replace(target)
    return target


def main() -> None:
    """`python -m addin.libreoffice.build [--out DIR] [--update-types]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build"))
    parser.add_argument("--update-types", action="store_true",
                        help="recompile types/backoffice.rdb from the declarations (unoidl-write)")
    args = parser.parse_args()
    print(update_types() if args.update_types else build_oxt(args.out))


if __name__ == "__main__":
    main()
