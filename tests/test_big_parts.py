"""Big sheet parts (over 8 MB of XML): inflated and deflated with ISA-L, in parallel chunks.

A sheet part this big is rewritten only to mark cells on it; these tests show that what we
write is a sound zip member by the standard library's own reading (CRC and sizes), that the
marks land and go away exactly (the part comes back byte for byte after `clear`), and that a
damaged member is refused rather than read wrong.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import fastexcel
import pytest

from workbooks.zipcopy import BIG_PART, Pieces, read_member, rewrite_zip

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_orders_book import write_orders_book  # noqa: E402

ROWS = 30_000  # ~13 MB of sheet XML: over BIG_PART, so the ISA-L paths run
SHEET = "xl/worksheets/sheet2.xml"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`backoffice ...` as a real subprocess."""
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _xml_like(size: int) -> bytes:
    row = b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d.25</v></c></row>'
    out, n, length = [], 1, 0
    while length < size:
        out.append(row % (n, n, n % 977, n, n * 7))
        length += len(out[-1])
        n += 1
    return b"".join(out)


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    path = tmp_path_factory.mktemp("zip") / "big.zip"
    data = _xml_like(BIG_PART + 1_000_000)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("small.xml", b"<a/>")
        zf.writestr("big.xml", data)
    return path, data


def test_read_member_gives_what_zipfile_gives(big_zip: tuple[Path, bytes]) -> None:
    path, data = big_zip
    with zipfile.ZipFile(path) as zf:
        assert read_member(zf, "big.xml") == zf.read("big.xml") == data
        assert read_member(zf, "small.xml") == b"<a/>"


def test_read_member_refuses_a_damaged_member(big_zip: tuple[Path, bytes], tmp_path: Path) -> None:
    path, _ = big_zip
    damaged = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("big.xml")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    damaged[middle] ^= 0xFF
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(damaged))
    with zipfile.ZipFile(bad) as zf, pytest.raises(zipfile.BadZipFile):
        read_member(zf, "big.xml")


@pytest.mark.parametrize("as_pieces", [False, True])
def test_a_big_part_is_written_in_chunks_the_standard_library_reads(
        big_zip: tuple[Path, bytes], tmp_path: Path, as_pieces: bool) -> None:
    path, data = big_zip
    bigger = data * 4  # ~36 MB: three 16 MB chunks, sync-flushed and concatenated
    cut = 16 * 1024 * 1024 - 3  # pieces straddling the chunk boundary, as splices make them
    part = Pieces([bigger[:5], memoryview(bigger)[5:cut], b"", bigger[cut:cut + 7],
                   memoryview(bigger)[cut + 7:]]) if as_pieces else bigger
    out = tmp_path / "out.zip"
    rewrite_zip(path, out, {"big.xml": part, "new.xml": b"<b/>"}, set())
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None  # every member inflates with its CRC-32
        assert zf.namelist() == ["small.xml", "big.xml", "new.xml"]
        assert zf.read("big.xml") == bigger
        assert zf.getinfo("big.xml").compress_size < len(bigger) // 4


@pytest.fixture(scope="module")
def orders_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("orders") / "orders.xlsx"
    write_orders_book(path, ROWS)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(SHEET).file_size > BIG_PART
    return path


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        return zf.read(SHEET)


def _cell_tag(xml: bytes, ref: str) -> bytes:
    match = re.search(rb'<c [^>]*r="%s"[^>]*>' % ref.encode(), xml)
    assert match, ref
    return match.group(0)


def test_marks_on_a_big_sheet_are_put_kept_and_removed_exactly(orders_book: Path,
                                                               tmp_path: Path) -> None:
    book = tmp_path / "orders.xlsx"
    book.write_bytes(orders_book.read_bytes())
    original = _sheet_xml(book)
    before = fastexcel.read_excel(str(book)).load_sheet("Orders", header_row=None,
                                                       dtypes="string").to_arrow()

    done = cli("validate", book, "--json")
    assert done.returncode == 1, done.stderr
    found = {(i["rule"], i["cell"]) for i in json.loads(done.stdout)["issues"]}
    last, third = f"F{ROWS + 1}", f"G{2 + ROWS // 3}"
    assert found == {("read.unreadable", last), ("read.error_value", third)}

    marked = _sheet_xml(book)
    for ref in (last, third):
        assert b' s="' in _cell_tag(marked, ref) and _cell_tag(marked, ref) != _cell_tag(original, ref)
    assert marked.count(b"<legacyDrawing ") == 1
    after = fastexcel.read_excel(str(book)).load_sheet("Orders", header_row=None,
                                                      dtypes="string").to_arrow()
    assert after.equals(before)  # every value of 30,001 rows unchanged

    done = cli("validate", book, "--json")  # the rerun: old marks restored, new ones put
    assert done.returncode == 1, done.stderr
    assert _sheet_xml(book) == marked

    done = cli("clear", book)
    assert done.returncode == 0, done.stderr
    assert _sheet_xml(book) == original  # byte for byte, ~13 MB
