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
import tempfile
import zipfile
from pathlib import Path

import fastexcel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbooks.xlsx.zipcopy import BIG_PART, Inflated, Spliced, inflate_ahead, read_member, rewrite_zip

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
    part = Spliced(bigger, [(5, 5, b"ab"), (cut, cut + 7, b"XY"), (len(bigger), len(bigger), b"z")]
                   ) if as_pieces else bigger
    out = tmp_path / "out.zip"
    rewrite_zip(path, out, {"big.xml": part, "new.xml": b"<b/>"}, set())
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None  # every member inflates with its CRC-32
        assert zf.namelist() == ["small.xml", "big.xml", "new.xml"]
        assert zf.read("big.xml") == (part.join() if as_pieces else bigger)
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


# Chunks deflated ahead: the save deflates only the chunks its splices touch. Small CHUNK and
# BIG_PART stand in for 16 MiB and 8 MB so that random splices meet every boundary case (at a
# boundary, across one, swallowing a whole chunk, at the very end).

SMALL_CHUNK, SOURCE_LEN = 1_000, 5_500


def _write_spliced(source: bytes, splices: list[tuple[int, int, bytes]], folder: Path
                   ) -> tuple[bytes, bytes, Inflated]:
    """Store `source`, inflate it ahead, save it spliced; (stored part, raw deflate, ahead)."""
    import workbooks.xlsx.zipcopy as zipcopy

    path, out = folder / "in.zip", folder / "out.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.xml", source)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zipcopy, "CHUNK", SMALL_CHUNK)
        mp.setattr(zipcopy, "BIG_PART", 100)
        mp.setattr(zipcopy, "FAST_PART", 100)
        ahead = inflate_ahead(path, "big.xml")
        rewrite_zip(path, out, {"big.xml": Spliced(ahead.data, splices, ahead)}, set())
    with zipfile.ZipFile(out) as zf:
        info = zf.getinfo("big.xml")
        raw = out.read_bytes()
        start = info.header_offset + 30 + len(info.filename)
        return zf.read("big.xml"), raw[start:start + info.compress_size], ahead


def test_untouched_chunks_are_reused_as_deflated_ahead(tmp_path: Path) -> None:
    source = _xml_like(SOURCE_LEN)[:SOURCE_LEN]
    stored, deflated, ahead = _write_spliced(source, [], tmp_path)
    assert stored == source and len(ahead.deflated) == 6
    assert deflated == b"".join(ahead.deflated)  # nothing deflated again

    splice = [(2_500, 2_510, b"<c s='9'/>")]  # inside chunk 2 only
    stored, deflated, ahead = _write_spliced(source, splice, tmp_path)
    assert stored == source[:2_500] + b"<c s='9'/>" + source[2_510:]
    assert deflated.startswith(b"".join(ahead.deflated[:2]))
    assert deflated.endswith(b"".join(ahead.deflated[3:]))


@given(st.lists(st.tuples(st.integers(0, SOURCE_LEN), st.integers(0, 2_500), st.binary(max_size=6)),
                max_size=6))
@settings(max_examples=60, deadline=None)
def test_any_splices_give_the_spliced_part(raw_splices: list[tuple[int, int, bytes]]) -> None:
    source = _xml_like(SOURCE_LEN)[:SOURCE_LEN]
    splices, pos = [], 0
    for start, length, text in sorted(raw_splices):
        if start < pos:
            continue  # splices never overlap
        end = min(start + length, SOURCE_LEN)
        splices.append((start, end, text))
        pos = max(end, start + 1)
    with tempfile.TemporaryDirectory() as folder:
        stored, _, _ = _write_spliced(source, splices, Path(folder))
    expected, pos = b"", 0
    for start, end, text in splices:
        expected += source[pos:start] + text
        pos = end
    assert stored == expected + source[pos:]


def _raw_member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = path.read_bytes()
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    return raw[start:start + info.compress_size]


@pytest.mark.parametrize("rerun", [False, True])
def test_a_save_deflates_only_the_chunks_its_marks_touch(orders_book: Path, tmp_path: Path,
                                                         rerun: bool) -> None:
    import workbooks.xlsx.zipcopy as zipcopy
    from workbooks.model import Mark, MarkLevel
    from workbooks.xlsx_file import FileWorkbook

    book = tmp_path / "orders.xlsx"
    book.write_bytes(orders_book.read_bytes())
    marks = [Mark("Orders", "F30001", MarkLevel.ERROR, "ERROR: x"),
             Mark("Orders", "G10002", MarkLevel.ERROR, "ERROR: y")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zipcopy, "CHUNK", 1024 * 1024)  # a dozen chunks instead of 1
        runs = [marks, [marks[0], Mark("Orders", "C20000", MarkLevel.WARNING, "WARNING: z")]]
        for run in runs if rerun else runs[:1]:
            before = inflate_ahead(book, SHEET)  # what the save's prefetch computes too
            workbook = FileWorkbook.open(book, prefetch=True)
            workbook.grid("Orders")  # starts inflating the part ahead
            workbook.set_marks(run)
            workbook.save()
    stream = _raw_member(book, SHEET)
    reused = [chunk for chunk in before.deflated if chunk in stream]
    # Run 1 touches the chunks of rows 10,002 and 30,001 (+ the legacyDrawing at the end);
    # the rerun those of rows 10,002 (mark off), 20,000 (new) and 30,001 (kept, note changed).
    count = len(before.deflated)
    assert count >= 10 and len(reused) >= count - 3
    assert _sheet_xml(book).count(b"<legacyDrawing ") == 1


def test_a_failed_prefetch_leaves_the_save_to_read_the_part_itself(orders_book: Path,
                                                                    tmp_path: Path) -> None:
    import workbooks.xlsx_file as xlsx_file
    from workbooks.model import Mark, MarkLevel

    book = tmp_path / "orders.xlsx"
    book.write_bytes(orders_book.read_bytes())

    def out_of_memory(*_args: object) -> None:
        raise MemoryError

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(xlsx_file, "inflate_ahead", out_of_memory)
        workbook = xlsx_file.FileWorkbook.open(book, prefetch=True)
        workbook.grid("Orders")
        assert list(workbook.prefetched) == [SHEET]
        workbook.set_marks([Mark("Orders", "F30001", MarkLevel.ERROR, "ERROR: x")])
        workbook.save()
    assert b' s="' in _cell_tag(_sheet_xml(book), "F30001")


def _rows_xml(numbers: list[int]) -> bytes:
    rows = b"".join(b'<row r="%d" spans="1:2"><c r="A%d"><v>%d</v></c><c r="B%d" t="s"><v>7</v></c></row>'
                    % (n, n, n * 37, n) for n in numbers)
    return b'<worksheet><dimension ref="A1:B9"/><sheetData>' + rows + b"</sheetData></worksheet>"


@pytest.mark.parametrize("marked", [{50, 51, 300}, {1, 399}, {120, 1000, 1500}, set()])
def test_chunks_a_save_will_deflate_ahead_hold_no_marked_row(marked: set[int]) -> None:
    from workbooks.xlsx.mark_surgery import untouched_chunks

    numbers = [*range(1, 400), *range(2000, 2100)]  # rows 400-1999 missing: a mark there inserts
    xml = _rows_xml(numbers)
    chunk = 1_000
    starts = {n: xml.index(b'<row r="%d"' % n) for n in numbers}
    free = untouched_chunks(xml, [f"B{m}" for m in marked], chunk)
    count = -(-len(xml) // chunk)
    assert 0 not in free and count - 1 not in free  # sheet-wide edits go there
    for m in marked:  # where row m's edit (or a row inserted for it) can land
        low = max(starts[n] for n in numbers if n <= m) if m >= numbers[0] else 0
        high = min((starts[n] for n in numbers if n > m), default=len(xml))
        assert not [k for k in free if low < (k + 1) * chunk and k * chunk <= high], m
    assert len(free) >= count - 2 - 3 * len(marked)  # only chunks near a mark are left out


def test_set_marks_deflates_ahead_the_chunks_no_mark_touches(orders_book: Path, tmp_path: Path) -> None:
    import workbooks.xlsx.zipcopy as zipcopy
    from workbooks.model import Mark, MarkLevel
    from workbooks.xlsx.mark_surgery import untouched_chunks
    from workbooks.xlsx_file import FileWorkbook

    book = tmp_path / "orders.xlsx"
    book.write_bytes(orders_book.read_bytes())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zipcopy, "CHUNK", 1024 * 1024)
        mp.setattr("workbooks.xlsx_file.CHUNK", 1024 * 1024)
        workbook = FileWorkbook.open(book, prefetch=True)
        workbook.grid("Orders")
        inflated = workbook.prefetched[SHEET].result()
        assert inflated.deflated == ()  # reading inflates; nothing is deflated before the marks
        workbook.set_marks([Mark("Orders", "F30001", MarkLevel.ERROR, "ERROR: x")])
        ahead = workbook.prefetched[SHEET].result()
        free = untouched_chunks(inflated.data, ["F30001"], 1024 * 1024)
        assert [k for k, c in enumerate(ahead.deflated) if c is not None] == free
        assert len(free) >= len(ahead.deflated) - 3
        workbook.save()
    assert b' s="' in _cell_tag(_sheet_xml(book), "F30001")
