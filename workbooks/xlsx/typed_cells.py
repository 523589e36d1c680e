"""What a typed read of a sheet's number columns needs from the package around fastexcel.

A sheet read with every cell as text (the plain `FileWorkbook.grid`) costs fastexcel a string
per number cell and reading a parse back. Number columns can instead be read as floats, the text
of a float cell being computed back exactly as fastexcel writes it (`render_float`), if three
things are known:

* which columns the header names as numbers, before the load: `read_head` gives the string
  cells of the first rows (and of Excel Tables' header rows) from the sheet XML and the
  shared strings, without the cell reader;
* that no cell of the sheet is one a float read takes silently for another value: a boolean
  (read as 1.0 or 0.0), a formula's text result, an inline string or an ISO date cell
  (`odd_cells`, one scan of the sheet XML), or a shared string the float read parses to a number
  reading it as text would not give (`risky_strings`: "12.50", "1e3", "inf"; a string of
  digits with at most 15 significant ones, the zero-padded code of every book, reads alike);
* the text of the cells the float read refuses (text like "N/A" or "1.234,56", error cells):
  fastexcel reports each with the cell as Rust prints it, `String("N/A")`, decoded by
  `refused_cell`.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from lxml import etree

from workbooks.model import Grid, TableRange, column_number, text_column
from workbooks.xlsx.ooxml import REL, q, read_rels, rels_path
from workbooks.xlsx.zipcopy import read_member

RT_SHARED_STRINGS = REL + "/sharedStrings"
# A string Rust's f64 parse takes (a superset: sign, digits, point, exponent, inf, nan) other
# than plain digits with at most 15 significant ones, which read the same as text.
_RISKY_BODY = (rb"(?!0*\d{1,15}</t>)[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
               rb"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])</t>")
_RISKY_TEXT = re.compile(rb"<t(?:\s[^>]*)?>" + _RISKY_BODY)
# Cells a float read would turn into a number without a word (t="e" errors and t="s" shared
# strings are reported or checked apart): booleans, formula text, ISO dates, and an inline
# string that is rich, holds an entity or is risky text as above (a plain one, a header or "N/A",
# is refused by the float read and comes back as its text, as a shared string does).
_ODD_CELL = re.compile(
    rb' t="(?:b|str|d)"'
    rb' | t="inlineStr"(?=[^>]*><is>(?:(?!<t(?:\s[^>]*)?>[^<&]*</t></is>)'
    rb' |<t(?:\s[^>]*)?>' + _RISKY_BODY + rb"))", re.X)
_TAG_REF = re.compile(rb'\sr="\$?([A-Z]+)\$?\d+"')
_RICH = re.compile(rb"<si>((?:(?!</si>).)*?<r>.*?)</si>", re.S)
_RUN_TEXT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
_RUST_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)",
                         re.I)
_SAFE_DIGITS = re.compile(r"0*\d{1,15}")
_REFUSED = re.compile(r"Expected float but got '(?:Shared)?String\(\"(.*)\"\)'", re.S)
_REFUSED_ERROR = re.compile(r"Expected float but got 'Error\((\w+)\)'")
_RUST_ESCAPE = re.compile(r"\\(u\{([0-9a-fA-F]+)\}|.)", re.S)
_RUST_CHARS = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
_CELL_REF = re.compile(r"([A-Z]+)(\d+)$")
_ERROR_NAMES = {"Div0": "#DIV/0!", "NA": "#N/A", "Value": "#VALUE!", "Ref": "#REF!",
                "Name": "#NAME?", "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}
_ERROR_DETAIL = re.compile(r"Error\((\w+)\)")


def error_code(detail: str) -> str:
    """The Excel code ("#N/A") of an error cell fastexcel reports (with its detail)."""
    match = _ERROR_DETAIL.search(detail)
    return _ERROR_NAMES.get(match.group(1), "#" + match.group(1)) if match else "#ERROR"


def render_float(value: float) -> str:
    """A float cell's text as fastexcel gives it: nine decimals, trailing zeros and point cut
    (Rust's `{:.9}`, correctly rounded, half to even, like Python's)."""
    return format(value, ".9f").rstrip("0").rstrip(".")


def checked_part(path: Path, part: str, numeric: set[int]) -> tuple[bytes, bool]:
    """A sheet part inflated, and whether a float read of its `numeric` columns is exact (no
    cell there it would misread: `odd_cells`)."""
    with zipfile.ZipFile(path) as zf:
        xml = read_member(zf, part)
    return xml, not odd_cells(xml, numeric)


def shared_strings_parts(zf: zipfile.ZipFile, workbook_part: str) -> list[str]:
    """The shared-strings part the workbook names, and the usual one if present (whichever the
    cell reader takes, both are checked)."""
    rels = rels_path(workbook_part)
    data = zf.read(rels) if rels in zf.NameToInfo else None
    parts = [target for rtype, target, _mode in read_rels(data, workbook_part).values()
             if rtype == RT_SHARED_STRINGS and target in zf.NameToInfo]
    usual = "xl/sharedStrings.xml"
    return [*parts, usual] if usual in zf.NameToInfo and usual not in parts else parts


def odd_cells(sheet_xml: bytes, columns: set[int]) -> bool:
    """Whether the sheet holds, in one of `columns`, a cell a float read would misread (see
    the module docstring); a cell whose column is not given counts as one."""
    for match in _ODD_CELL.finditer(sheet_xml):
        start = sheet_xml.rfind(b"<", 0, match.start())
        ref = _TAG_REF.search(sheet_xml, start, match.start())
        if ref is None or column_number(ref.group(1).decode()) in columns:
            return True
    return False


def risky_strings(shared_strings: bytes) -> bool:
    """Whether a shared string is text a float read would parse to another value than reading
    it as text gives; numeric character references and rich text are checked as they read."""
    if _RISKY_TEXT.search(shared_strings) is not None or b"&#" in shared_strings:
        return True
    for match in _RICH.finditer(shared_strings) if b"<r>" in shared_strings else ():
        text = b"".join(_RUN_TEXT.findall(match.group(1))).decode("utf-8", "replace")
        if _RUST_FLOAT.fullmatch(text) and not _SAFE_DIGITS.fullmatch(text):
            return True
    return False


@dataclass(frozen=True)
class Refused:
    """A cell a float read refused: its text (a string cell) or its error code ("NA")."""

    text: str | None = None
    error: str | None = None


def refused_cell(detail: str) -> Refused | None:
    """The cell in fastexcel's detail of a cell a float column refused, or None when it is
    neither a string nor an error cell (a date: the caller reads the sheet as text instead)."""
    match = _REFUSED.fullmatch(detail)
    if match:
        return Refused(text=_RUST_ESCAPE.sub(_unescape, match.group(1)))
    match = _REFUSED_ERROR.fullmatch(detail)
    return Refused(error=match.group(1)) if match else None


def _unescape(match: re.Match[str]) -> str:
    """One escape of Rust's Debug form of a string (every backslash is escaped, so decoding
    left to right is exact)."""
    if match.group(2) is not None:
        return chr(int(match.group(2), 16))
    char = match.group(1)
    if char not in _RUST_CHARS:
        raise ValueError(f"unknown escape \\{char}")
    return _RUST_CHARS[char]


@dataclass
class Head:
    """The string cells of a sheet's first rows, from its XML: {row: {column: text}}."""

    first_row: int
    rows: dict[int, dict[int, str]] = field(default_factory=dict)
    tables: list[TableRange] = field(default_factory=list)


def read_head(zf: zipfile.ZipFile, part: str, shared_part: str | None, count: int,
              tables: list[TableRange]) -> Head | None:
    """The string cells of rows first_row .. first_row + count - 1 and of the tables' header
    rows (first_row: the first row holding a value, where fastexcel's frame starts). None when
    the XML is not what Excel writes (a cell without its reference)."""
    also = {table.min_row for table in tables}
    first: int = 0
    rows: dict[int, dict[int, str]] = {}
    wanted: dict[tuple[int, int], tuple[int, int, int]] = {}
    with zf.open(part) as fh:
        for _event, row in etree.iterparse(fh, tag=q("row"), resolve_entities=False,
                                           huge_tree=True):
            number = int(row.get("r", "0"))
            if not first and any(c.find(q("v")) is not None or c.find(q("is")) is not None
                                 for c in row):
                first = number
            if first and number >= first + count and not any(r >= number for r in also):
                break
            if first and (number < first + count or number in also):
                cells = _string_cells(row, wanted, number)
                if cells is None:
                    return None
                rows[number] = cells
            row.clear()
    texts = _shared_strings(zf, shared_part, {i for i, _, _ in wanted.values()})
    for index, number, col in wanted.values():
        if index in texts:
            rows[number][col] = texts[index]
    return Head(first or 1, rows, tables)


def _string_cells(row: etree._Element, wanted: dict[tuple[int, int], tuple[int, int, int]],
                  number: int) -> dict[int, str] | None:
    """A row's inline and formula text cells; its shared-string cells noted in `wanted`."""
    cells: dict[int, str] = {}
    for c in row.iter(q("c")):
        match = _CELL_REF.match(c.get("r", ""))
        if match is None:
            return None
        col, kind = column_number(match.group(1)), c.get("t")
        if kind == "s":
            value = c.findtext(q("v"))
            if value is not None and value.strip().isdigit():
                wanted[(number, col)] = (int(value), number, col)
        elif kind == "inlineStr":
            node = c.find(q("is"))
            cells[col] = _si_text(node) if node is not None else ""
        elif kind == "str":
            cells[col] = c.findtext(q("v")) or ""
    return cells


def _shared_strings(zf: zipfile.ZipFile, part: str | None, indexes: set[int]) -> dict[int, str]:
    """The shared strings at `indexes`, parsing the table only as far as the last one."""
    if not indexes or part is None or part not in zf.NameToInfo:
        return {}
    last, found = max(indexes), {}
    with zf.open(part) as fh:
        for i, (_event, si) in enumerate(etree.iterparse(fh, tag=q("si"), resolve_entities=False,
                                                         huge_tree=True)):
            if i in indexes:
                found[i] = _si_text(si)
            si.clear()
            if i >= last:
                break
    return found


def _si_text(node: etree._Element) -> str:
    """A string item's text: its runs joined, phonetic guides left out."""
    return "".join(t.text or "" for t in node.iter(q("t")) if t.getparent().tag != q("rPh"))


def typed_grid(sheet: str, first_row: int, columns: list[int], numeric: set[int],
               batch: pa.RecordBatch, cell_errors: Sequence[Any],
               tables: list[TableRange]) -> Grid | None:
    """The Grid of a load with the `numeric` columns read as floats: those in `Grid.numbers`,
    the text of their other cells in the frame; None when a refused cell is neither a string nor
    an error (the caller reads the sheet as text)."""
    texts: dict[int, dict[int, str]] = {}
    errors: dict[tuple[int, int], str] = {}
    for err in cell_errors:
        position, col = err.offset_position[0], columns[err.offset_position[1]]
        if col not in numeric:
            errors[(first_row + position, col)] = error_code(err.detail)
            continue
        refused = refused_cell(err.detail)
        if refused is None:
            return None
        if refused.error is not None:
            errors[(first_row + position, col)] = _ERROR_NAMES.get(refused.error, "#" + refused.error)
        else:
            texts.setdefault(col, {})[position] = refused.text or ""
    frame, numbers = {}, {}
    for i, col in enumerate(columns):
        values = batch.column(i)
        if col in numeric and pa.types.is_floating(values.type):
            numbers[col] = values
            frame[col] = text_column(_sparse(len(values), texts.get(col, {})))
        else:
            frame[col] = text_column(values)
    return Grid(sheet, first_row, pd.DataFrame(frame), errors, tables, numbers)


def _sparse(length: int, cells: dict[int, str]) -> pa.Array:
    """A string column null but at `cells` (position: text)."""
    if not cells:
        return pa.nulls(length, pa.string())
    where = np.array(sorted(cells), dtype=np.int64)
    data = [cells[p].encode() for p in where.tolist()]
    sizes = np.zeros(length, dtype=np.int32)  # built from buffers: no 1M-entry list or mask array
    sizes[where] = [len(d) for d in data]
    offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int32)]).astype(np.int32)
    valid = np.zeros(length, dtype=bool)
    valid[where] = True
    bitmap = np.packbits(valid, bitorder="little")
    return pa.Array.from_buffers(pa.string(), length, [pa.py_buffer(bitmap), pa.py_buffer(offsets),
                                                       pa.py_buffer(b"".join(data))])
