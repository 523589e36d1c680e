"""Build backoffice.xlam from the text sources in the repo, without Excel, on any OS.

This is the work of `backoffice addin build [--out DIR]`: `build_addin(out_dir)`.

The add-in is an Open XML package (a macro-enabled add-in workbook) holding:

- customUI/customUI14.xml: the "Back Office" ribbon tab (addin/excel/customUI14.xml, verbatim);
- xl/vbaProject.bin: a source-only VBA project written by addin.vba_project, with the document
  modules ThisWorkbook and Sheet1, xlwings' custom add-in module (installed with xlwings, its
  PROJECT_NAME set to "backoffice"), xlwings' Dictionary class (needed on macOS) and every
  addin/excel/*.bas and *.cls (BackOffice.bas: the ribbon's one callback);
- one sheet "backoffice.conf" (code name Sheet1): the xlwings settings that module reads from
  the add-in itself (keys in column A from A1 down, values in column B).

Reproducible: the same sources (and xlwings version) give byte-identical files. Zip entries carry
a fixed date and attributes and come in sorted order; the VBA project has a fixed id and the
compound file fixed CLSIDs and timestamps.

Run it as `python -m addin.build [--out DIR] [--interpreter PATH] [--pythonpath DIRS]`.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl.writer.theme import theme_xml

from addin.vba_project import Module, ModuleKind, build_vba_project

EXCEL_SOURCES = Path(__file__).resolve().parent / "excel"
CUSTOM_UI = EXCEL_SOURCES / "customUI14.xml"
ADDIN_FILE = "backoffice.xlam"
#: xlwings' PROJECT_NAME: the add-in's settings sheet is PROJECT_NAME & ".conf".
XLWINGS_PROJECT_NAME = "backoffice"
CONF_SHEET = f"{XLWINGS_PROJECT_NAME}.conf"
#: The VBA project's own name; it must differ from every module name (BackOffice is a module).
VBA_PROJECT_NAME = "BackOfficeAddin"
#: Fixed, so builds are reproducible (uuid5 of the URL namespace and "backoffice-excel/addin").
VBA_PROJECT_ID = "{896DA1B8-AFC6-5B25-9A31-AED517B24141}"
UDF_MODULES = "udfs.functions"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

_NAME_LINE = re.compile(r'^Attribute VB_Name = "([^"]+)"$')
_DESCRIPTION_LINE = re.compile(r'^Attribute VB_Description = "(.*)"$')
_PROJECT_NAME_CONST = re.compile(r'^(Public Const PROJECT_NAME As String = )"[^"]*"', re.MULTILINE)


# --- VBA sources ----------------------------------------------------------------------------------


def crlf(text: str) -> str:
    """`text` with CRLF line ends and a final line end, as VBA stores module source."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    if not lines.endswith("\n"):
        lines += "\n"
    return lines.replace("\n", "\r\n")


def module_name(source: str) -> str:
    """The name in the source's first line, `Attribute VB_Name = "..."`."""
    first = source.split("\r\n", 1)[0]
    match = _NAME_LINE.match(first)
    if match is None:
        raise ValueError(f"a VBA source must start with Attribute VB_Name, not {first!r}")
    return match.group(1)


def description(source: str) -> str:
    """The module's VB_Description (the dir stream's docstring), "\\r\\n" written out as CRLF."""
    for line in source.split("\r\n"):
        if not line.startswith("Attribute "):
            break
        match = _DESCRIPTION_LINE.match(line)
        if match:
            return match.group(1).replace("\\r\\n", "\r\n")
    return ""


def class_source(exported: str) -> str:
    """A class module as VBA stores it, from the file the VBA editor exports (.cls).

    The export's `VERSION 1.0 CLASS` / `BEGIN` ... `END` block goes; VB_Base is added after
    VB_Name, and VB_TemplateDerived / VB_Customizable after VB_Exposed, as Excel does on import.
    """
    lines = crlf(exported).split("\r\n")
    if lines[0].startswith("VERSION "):
        lines = lines[lines.index("END") + 1:]
    header = _header_length(lines)
    attributes = lines[:header]
    if not any(a.startswith("Attribute VB_Base = ") for a in attributes):
        attributes.insert(1, f'Attribute VB_Base = "{CLASS_BASE}"')
    exposed = next((i for i, a in enumerate(attributes) if a.startswith("Attribute VB_Exposed")), None)
    if exposed is not None and not any("VB_Customizable" in a for a in attributes):
        attributes[exposed + 1:exposed + 1] = ["Attribute VB_TemplateDerived = False",
                                               "Attribute VB_Customizable = False"]
    return "\r\n".join(attributes + lines[header:])


def _header_length(lines: list[str]) -> int:
    count = 0
    while count < len(lines) and lines[count].startswith("Attribute "):
        count += 1
    return count


def document_module(name: str, base: str) -> Module:
    """An empty document module (the workbook's or a sheet's), with Excel's attribute lines."""
    attributes = [("VB_Name", f'"{name}"'), ("VB_Base", f'"{base}"'),
                  ("VB_GlobalNameSpace", "False"), ("VB_Creatable", "False"),
                  ("VB_PredeclaredId", "True"), ("VB_Exposed", "True"),
                  ("VB_TemplateDerived", "False"), ("VB_Customizable", "True")]
    source = "".join(f"Attribute {key} = {value}\r\n" for key, value in attributes)
    return Module(name, ModuleKind.DOCUMENT, source)


def xlwings_dir() -> Path:
    """The installed xlwings package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise RuntimeError("xlwings is not installed; the add-in needs its VBA modules")
    return Path(spec.origin).parent


def xlwings_module() -> Module:
    """xlwings' VBA module for custom add-ins, reading its settings from backoffice.conf."""
    text = (xlwings_dir() / "xlwings_custom_addin.bas").read_text(encoding="cp1252")
    text, count = _PROJECT_NAME_CONST.subn(rf'\g<1>"{XLWINGS_PROJECT_NAME}"', text)
    if count != 1:
        raise RuntimeError("xlwings_custom_addin.bas: no single PROJECT_NAME constant to set")
    source = crlf(text)
    return Module(module_name(source), ModuleKind.STANDARD, source)


def source_module(path: Path, encoding: str = "utf-8") -> Module:
    """A module from a .bas (standard) or .cls (class) file."""
    text = path.read_text(encoding=encoding)
    if path.suffix.lower() == ".cls":
        source = class_source(text)
        return Module(module_name(source), ModuleKind.CLASS, source, description(source))
    source = crlf(text)
    return Module(module_name(source), ModuleKind.STANDARD, source)


def addin_modules() -> list[Module]:
    """Every module of the add-in's VBA project, in project order."""
    ours = sorted([*EXCEL_SOURCES.glob("*.bas"), *EXCEL_SOURCES.glob("*.cls")])
    return [
        document_module("ThisWorkbook", WORKBOOK_BASE),
        document_module("Sheet1", WORKSHEET_BASE),
        xlwings_module(),
        source_module(xlwings_dir() / "addin" / "Dictionary.cls", encoding="cp1252"),
        *(source_module(path) for path in ours),
    ]


# --- the package ----------------------------------------------------------------------------------

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = _XML + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/theme/theme1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
    '<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/customUI/customUI14.xml" ContentType="application/xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>")

ROOT_RELS = _XML + (
    f'<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
    'metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
    '<Relationship Id="rId4" Type="http://schemas.microsoft.com/office/2007/relationships/ui/'
    'extensibility" Target="customUI/customUI14.xml"/>'
    "</Relationships>")

CORE = _XML + (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "<dc:title>Back Office for Excel</dc:title><dc:creator>Back Office for Excel</dc:creator>"
    "</cp:coreProperties>")

# "Microsoft Excel" as openpyxl writes it: some readers decide compatibility details on it.
APP = _XML + (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity></Properties>")

WORKBOOK = _XML + (
    f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
    '<workbookPr codeName="ThisWorkbook"/>'
    '<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="16000" windowHeight="9000"/>'
    "</bookViews>"
    f'<sheets><sheet name="{CONF_SHEET}" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>")

WORKBOOK_RELS = _XML + (
    f'<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
    'Target="vbaProject.bin"/>'
    f'<Relationship Id="rId4" Type="{_REL_NS}/theme" Target="theme/theme1.xml"/>'
    "</Relationships>")

# A workbook must have a theme part (the Open XML SDK requires the relationship, and Excel repairs
# a book without one): Office's default theme, as openpyxl ships it, rather than one by hand.
THEME = theme_xml

STYLES = _XML + (
    f'<styleSheet xmlns="{_MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")


def conf_rows(interpreter: str | None, pythonpath: str | None) -> list[tuple[str, str]]:
    """The xlwings settings of the add-in: (key, value). A setting not given is left out (not
    written empty), so xlwings looks further: the user's backoffice.conf, then its default."""
    rows = [
        ("Interpreter_Win", interpreter or ""),
        ("Interpreter_Mac", interpreter or ""),
        ("PYTHONPATH", pythonpath or ""),
        ("UDF Modules", UDF_MODULES),
        ("Show Console", "False"),
        ("Use UDF Server", "False"),
    ]
    return [(key, value) for key, value in rows if value]


def _inline_cell(ref: str, text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def conf_sheet(rows: Sequence[tuple[str, str]]) -> str:
    """sheet1.xml: the settings in A:B as inline strings (a B cell only when there is a value)."""
    cells = []
    for number, (key, value) in enumerate(rows, start=1):
        row = _inline_cell(f"A{number}", key) + (_inline_cell(f"B{number}", value) if value else "")
        cells.append(f'<row r="{number}">{row}</row>')
    return _XML + (
        f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<sheetPr codeName="Sheet1"/>'
        f'<dimension ref="A1:B{len(rows)}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        '<cols><col min="1" max="1" width="18" customWidth="1"/>'
        '<col min="2" max="2" width="60" customWidth="1"/></cols>'
        f'<sheetData>{"".join(cells)}</sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>")


def package_parts(interpreter: str | None = None, pythonpath: str | None = None) -> dict[str, bytes]:
    """Every part of the .xlam package, by zip name."""
    vba = build_vba_project(VBA_PROJECT_ID, VBA_PROJECT_NAME, addin_modules())
    text_parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "docProps/core.xml": CORE,
        "docProps/app.xml": APP,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/styles.xml": STYLES,
        "xl/theme/theme1.xml": THEME,
        "xl/worksheets/sheet1.xml": conf_sheet(conf_rows(interpreter, pythonpath)),
    }
    parts = {name: text.encode("utf-8") for name, text in text_parts.items()}
    parts["customUI/customUI14.xml"] = CUSTOM_UI.read_bytes()
    parts["xl/vbaProject.bin"] = vba
    return parts


def write_package(parts: dict[str, bytes], path: Path) -> None:
    """A zip with fixed dates and attributes, entries in sorted order ([Content_Types].xml first)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as package:
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # the same on every OS (ZipInfo would say 3 on Unix)
            info.external_attr = 0
            package.writestr(info, parts[name])


def build_addin(out_dir: Path, *, interpreter: str | None = None,
                pythonpath: str | None = None) -> Path:
    """Write `out_dir/backoffice.xlam` and return its path.

    `interpreter` goes to both Interpreter_Win and Interpreter_Mac (empty: xlwings' default);
    `pythonpath` to PYTHONPATH. The file is replaced atomically.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ADDIN_FILE
    parts = package_parts(interpreter, pythonpath)
    handle, temporary = tempfile.mkstemp(prefix=".backoffice-", suffix=".xlam", dir=out_dir)
    os.close(handle)
    try:
        write_package(parts, Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp made it private
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m addin.build`: build the add-in and say where it is."""
    parser = argparse.ArgumentParser(prog="backoffice addin build", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("dist"), help="folder (default: dist)")
    parser.add_argument("--interpreter", help="Python for xlwings to run (default: xlwings' own)")
    parser.add_argument("--pythonpath", help="extra folders for Python's import path")
    args = parser.parse_args(argv)
    started = time.monotonic()
    path = build_addin(args.out, interpreter=args.interpreter, pythonpath=args.pythonpath)
    print(f"{path} ({path.stat().st_size:,} bytes, {time.monotonic() - started:.2f} s); "
          f"settings sheet {quoteattr(CONF_SHEET)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
