"""The real write path on every workbook Excel made: nothing we do not own may change.

For each file of the corpus (copied into tmp_path first), an Issues-like output sheet is written
with `FileWorkbook`, then the book is opened and saved again. The package is compared part by
part with the original (tests/builders.compare_packages), the second save must give the same
output parts as the first, and the result must read back with fastexcel and openpyxl.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import fastexcel
import openpyxl
import pytest
from lxml import etree

from engine.errors import UnsafeWrite
from engine.issues import quote_sheet
from workbooks.model import CellKind, OutputColumn, OutputSheet
from workbooks.xlsx_file import STATE_SHEET, FileWorkbook

try:
    from tests import builders
except ImportError:  # tests/ itself on sys.path (pytest rootdir-less run)
    import builders  # type: ignore[no-redef]

CORPUS = builders.CORPUS
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in {".xlsx", ".xlsm"})
# Files the writer is expected to refuse (none of the corpus today): name -> words of the reason.
REFUSED: dict[str, tuple[str, ...]] = {}
STYLES = "xl/styles.xml"
_STYLE_INDEX = re.compile(rb' s="\d+"')
TOTALS: dict[str, int] = {"files": 0, "identical": 0, "shared": 0, "elements": 0, "refused": 0}

COLUMNS = [
    OutputColumn("Sheet", width=18), OutputColumn("Cell", width=8),
    OutputColumn("Row", CellKind.INTEGER, 7), OutputColumn("Message", width=60),
    OutputColumn("Amount", CellKind.MONEY), OutputColumn("Due", CellKind.DATE),
    OutputColumn("Value", width=20),
]
ROWS = [
    ["Orders", "E7", 7, "Quantity is not a number", Decimal("1234.50"), date(2026, 10, 31),
     "dez"],
    ["Invoices", "B3", 3, "Fatura não paga — São Paulo", Decimal("-0.01"),
     datetime(2026, 1, 2, 13, 45), "=HYPERLINK(\"http://x\")"],
    ["Config", "", None, "Period is missing", None, None, "+1"],
]


def issues_like(first_sheet: str) -> OutputSheet:
    """An Issues sheet with text, money and date values and one link into the book."""
    return OutputSheet("Issues", COLUMNS, [list(r) for r in ROWS],
                       {(0, 1): f"{quote_sheet(first_sheet)}!A1"}, table_name="BO_Issues")


def _write(path: Path) -> list[str]:
    book = FileWorkbook.open(path)
    first = next(iter(s.name for s in book.package.sheets), "Sheet1")
    book.write_sheet(issues_like(first))
    return book.save()


@pytest.mark.parametrize("source", FILES, ids=[p.name for p in FILES])
def test_write_keeps_everything_it_does_not_own(source: Path, tmp_path: Path) -> None:
    path = builders.copy_into(source, tmp_path)
    original = path.read_bytes()
    TOTALS["files"] += 1
    if source.name in REFUSED:
        _assert_refused(path, original, REFUSED[source.name])
        return

    assert _write(path) == ["Issues"]
    first = builders.members(path)
    assert _write(path) == ["Issues"]  # a second run replaces our sheet
    second = builders.members(path)

    report = builders.compare_packages(original, path)
    assert not report.problems, "\n".join(report.problems)
    assert len(report.shared) == 4, report.shared
    assert report.added, "the writer added no part"
    TOTALS["identical"] += report.identical
    TOTALS["shared"] += len(report.shared)
    TOTALS["elements"] += report.elements

    # Idempotence: the same members, in the same order, with the same bytes; styles.xml and the
    # cell style indexes in our sheets are checked apart (test_second_save_is_byte_identical).
    assert list(second) == list(first)
    changed = [name for name in first if first[name] != second[name]
               and name != STYLES and not _our_worksheet(name, report.added)]
    assert not changed, f"the second save changed {changed}"
    for name in report.added:
        if _our_worksheet(name, report.added):
            assert _STYLE_INDEX.sub(b"", first[name]) == _STYLE_INDEX.sub(b"", second[name])

    _assert_reads_back(path, source)


def _our_worksheet(name: str, added: list[str]) -> bool:
    return name in added and name.startswith("xl/worksheets/") and name.endswith(".xml")


@pytest.mark.parametrize("source", FILES, ids=[p.name for p in FILES])
def test_second_save_is_byte_identical(source: Path, tmp_path: Path) -> None:
    path = builders.copy_into(source, tmp_path)
    if source.name in REFUSED:
        pytest.skip("refused")
    _write(path)
    first = builders.members(path)
    _write(path)
    second = builders.members(path)
    assert list(second) == list(first)
    assert [n for n in first if first[n] != second[n]] == []


def _assert_refused(path: Path, original: bytes, words: tuple[str, ...]) -> None:
    TOTALS["refused"] += 1
    with pytest.raises(UnsafeWrite) as caught:
        _write(path)
    message = caught.value.message
    assert "\n" not in message and "\r" not in message, message
    for word in words:
        assert word.lower() in message.lower(), message
    assert path.read_bytes() == original


def _assert_reads_back(path: Path, source: Path) -> None:
    reader = fastexcel.read_excel(str(path))
    assert "Issues" in reader.sheet_names
    frame = reader.load_sheet("Issues", dtypes="string").to_pandas()
    assert list(frame.columns) == [c.header for c in COLUMNS]
    assert list(frame["Sheet"]) == ["Orders", "Invoices", "Config"]
    assert list(frame["Message"])[1] == "Fatura não paga — São Paulo"
    assert list(frame["Value"]) == ["dez", "=HYPERLINK(\"http://x\")", "+1"]
    amounts = reader.load_sheet("Issues").to_pandas()["Amount"].tolist()
    assert amounts[:2] == [1234.5, -0.01]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
        book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*_sheet_names(source), "Issues", STATE_SHEET]
    assert book[STATE_SHEET].sheet_state == "veryHidden"
    sheet = book["Issues"]
    assert sheet["A2"].value == "Orders" and sheet["E2"].value == 1234.5
    assert sheet["E2"].number_format == "#,##0.00"
    assert sheet["F2"].value == datetime(2026, 10, 31)
    assert sheet["G3"].value == "=HYPERLINK(\"http://x\")" and sheet["G3"].data_type == "s"
    assert sheet["B2"].hyperlink is not None and sheet["B2"].hyperlink.location.endswith("!A1")
    assert list(sheet.tables) == ["BO_Issues"]


LOSSES = {
    "a worksheet byte": ("xl/worksheets/sheet1.xml", lambda x: x.replace(b"</sheetData>",
                                                                       b"</sheetData>\n")),
    "a defined name": ("xl/workbook.xml", lambda x: re.sub(rb"<definedName [^>]*>[^<]*"
                                                           rb"</definedName>", b"", x, count=1)),
    "a cell format": ("xl/styles.xml", lambda x: x.replace(b'numFmtId="0"', b'numFmtId="1"', 1)),
    "a relationship": ("xl/_rels/workbook.xml.rels",
                       lambda x: re.sub(rb"<Relationship [^>]*theme[^>]*/>", b"", x)),
    "a content type": ("[Content_Types].xml",
                       lambda x: re.sub(rb'<Default Extension="xml"[^>]*/>', b"", x)),
    "a sheet entry": ("xl/workbook.xml", lambda x: x.replace(b'name="Sheet1"', b'name="S1"')),
}


@pytest.mark.parametrize("loss", list(LOSSES))
def test_the_comparison_catches_a_loss(loss: str, tmp_path: Path) -> None:
    path = builders.copy_into(CORPUS / "defined_name01.xlsx", tmp_path)
    original = path.read_bytes()
    part, change = LOSSES[loss]
    builders.rewrite_member(path, part, change)
    assert builders.members(path)[part] != builders.members(CORPUS / path.name)[part]
    assert builders.compare_packages(original, path).problems


def test_the_comparison_catches_a_missing_member(tmp_path: Path) -> None:
    source = CORPUS / "defined_name01.xlsx"
    assert not builders.compare_packages(source, source).problems
    with zipfile.ZipFile(tmp_path / "missing.xlsx", "w") as zf:
        for name, data in builders.members(source).items():
            if name != "docProps/app.xml":
                zf.writestr(name, data)
    problems = builders.compare_packages(source, tmp_path / "missing.xlsx").problems
    assert problems == ["docProps/app.xml: missing from the written file"]


def _sheet_names(source: Path) -> list[str]:
    with zipfile.ZipFile(source) as zf:
        part = builders.shared_parts(zf)["workbook"]
        root = etree.fromstring(zf.read(part))
    return [el.get("name") for el in root.iter(f"{{{builders.MAIN}}}sheet")]


def test_corpus_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the totals of the runs above (runs last in this module)."""
    if TOTALS["files"] == 0:
        pytest.skip("the corpus tests did not run in this session")
    with capsys.disabled():
        print(f"\ncorpus: {TOTALS['files']} files, {TOTALS['identical']} parts byte-identical, "
              f"{TOTALS['shared']} shared parts checked ({TOTALS['elements']} original elements "
              f"kept), {TOTALS['refused']} refused")
