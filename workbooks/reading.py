"""From a raw Grid to a typed table: header detection, column matching, tolerant parsing.

The same code serves every adapter (memory, file, live Excel), so they read identically.
Parsing is vectorised: the machine format of a whole column is parsed at once, and only the cells
that fail go through the per-cell tolerant parsers of engine.parsing.

Money, quantities, rates and percentages (EXACT_KINDS) are read from the cell text straight into
exact decimals (engine.money.decimal_column), never through a float: a number cell's text is
its value ("2.675"; beyond Excel's 15 significant digits, binary noise that is rounded off:
"12157521.109999999" is 12157521.11), and "1.234,56" typed as text reads to the same 1234.56.
Integer columns (Line, Priority, Dependents) stay float64: every whole number a cell holds is
exact in a float, and a fraction there is an error anyway (value.whole).

A file book reads the number columns of an input sheet typed (`sheet_grid`: Grid.numbers): the
number cells come as floats and become the same decimals (and float64) their text would give
(workbooks/number_cells.py); only the other cells of those columns are text here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.issues import Issue, Severity
from engine.money import EXCEL_DIGITS, decimal_column, excel_precision, plain_text
from engine.parsing import PLAIN_NUMBER, parse_date, parse_decimal, parse_number, parse_period
from engine.rules import kind_name, rule
from engine.schema import CONFIG, INPUT_SHEETS, NUMERIC_KINDS, Column, Kind, SheetSpec, normalise
from engine.settings import Settings, config_settings
from engine.tables import Table
from engine.vocab import config_choice
from workbooks.model import Grid, TableRange, Workbook, column_letter, text_column
from workbooks.number_cells import as_text, exact_from_floats, numbers_from_floats
from workbooks.xlsx.typed_cells import Head

HEADER_SEARCH_ROWS = 20
EXACT_KINDS = frozenset({Kind.MONEY, Kind.NUMBER, Kind.PERCENT})
_PLAIN_DECIMAL = r"^[+-]?(\d+\.?\d*|\.\d+)$"  # a number text a decimal column is built from
_SHORT = EXCEL_DIGITS  # a text no longer has at most 15 digits: exact as it stands
_MACHINE_DATETIME = "%Y-%m-%d %H:%M:%S"


@dataclass
class WorkbookData:
    """Every input sheet found in a workbook, the Config values and the reading issues."""

    tables: dict[str, Table]
    config: dict[str, str]
    config_cells: dict[str, str]
    issues: list[Issue]
    locale: str = "en"

    @property
    def settings(self) -> Settings:
        """The Config sheet as typed settings, from `config` as it is now (so a --period given
        on the command line counts); bad values are their defaults here, issues in validate."""
        return config_settings(self.tables.get(CONFIG.name), self.config, self.config_cells,
                               self.locale)[0]

    @property
    def row_counts(self) -> dict[str, int]:
        """Data rows read per sheet (canonical sheet name)."""
        return {name: len(table.frame) for name, table in self.tables.items()}


def find_sheet(sheet_names: list[str], spec: SheetSpec) -> str | None:
    """The workbook sheet that holds `spec` (English name or alias, any case or accents)."""
    for name in sheet_names:
        if normalise(name) in spec.names:
            return name
    return None


def read_workbook(book: Workbook) -> WorkbookData:
    """Read Config and then every input sheet present, with the Config locale."""
    names = book.sheet_names()
    issues: list[Issue] = []
    tables: dict[str, Table] = {}
    config_sheet = find_sheet(names, CONFIG)
    config: dict[str, str] = {}
    config_cells: dict[str, str] = {}
    if config_sheet is None:
        issues.append(_missing_sheet(CONFIG))
    else:
        tables[CONFIG.name] = read_table(book.grid(config_sheet), CONFIG)
        config, config_cells = config_values(tables[CONFIG.name])
    locale = "pt-BR" if config_choice("locale", config.get("locale", "")) == "pt-BR" else "en"
    for spec in INPUT_SHEETS:
        sheet = find_sheet(names, spec)
        if spec is CONFIG or sheet is None:
            continue
        tables[spec.name] = read_table(sheet_grid(book, sheet, spec), spec, locale)
    for table in tables.values():
        issues.extend(table.issues)
    return WorkbookData(tables, config, config_cells, issues, locale)


def sheet_grid(book: Workbook, sheet: str, spec: SheetSpec) -> Grid:
    """The sheet's grid. A book that can read columns typed (the file adapter's `typed_grid`)
    reads those its header names as numbers so: the same values, cheaper (a 1M-row sheet's
    number cells are not made text and parsed back)."""
    typed = getattr(book, "typed_grid", None)
    if typed is None:
        return book.grid(sheet)
    grid: Grid = typed(sheet, lambda head: number_columns(head, spec), HEADER_SEARCH_ROWS)
    return grid


def number_columns(head: Head, spec: SheetSpec) -> set[int]:
    """The sheet columns the header (found as `read_table` finds it, in the first rows' text
    cells or an Excel Table's header row) names as number columns of `spec`."""
    mapping: dict[str, int] = {}
    best = 0
    for table in head.tables:
        cells = head.rows.get(table.min_row, {})
        found = _match_columns(((c, t.strip() or None) for c, t in sorted(cells.items())
                                if table.min_col <= c <= table.max_col), spec)[0]
        if len(found) > best:
            mapping, best = found, len(found)
    for row in range(head.first_row, head.first_row + HEADER_SEARCH_ROWS) if not best else ():
        cells = head.rows.get(row, {})
        found = _match_columns(((c, t.strip() or None) for c, t in sorted(cells.items())), spec)[0]
        if len(found) > best:
            mapping, best = found, len(found)
    return {col for name, col in mapping.items() if spec.column(name).kind in NUMERIC_KINDS}


def config_values(table: Table) -> tuple[dict[str, str], dict[str, str]]:
    """Config as {normalised key: value text} and {normalised key: value cell}."""
    values: dict[str, str] = {}
    cells: dict[str, str] = {}
    if "Key" not in table.frame or "Value" not in table.frame:
        return values, cells
    keys, texts = (pa.array(table.frame[c].array).to_pylist() for c in ("Key", "Value"))
    for row, key, value in zip(table.frame.index, keys, texts, strict=True):
        if key:
            values[normalise(key)] = "" if value is None else str(value)
            cells[normalise(key)] = table.cell("Value", row)
    return values, cells


def read_table(grid: Grid, spec: SheetSpec, locale: str = "en") -> Table:
    """Detect the header, match columns, drop blank rows and parse every known column."""
    area, header_row = _data_area(grid, spec)
    if header_row is None:
        return _headerless(grid, spec, area, locale)
    header = area.loc[header_row]
    assert isinstance(header, pd.Series)  # one row label: a row, not a frame
    mapping, extra = _match_columns(header.items(), spec)
    body = area.loc[header_row + 1 :]
    filled = body.notna().any(axis=1).to_numpy(copy=True)
    positions = np.asarray(body.index) - grid.first_row  # rows of the typed columns
    numbers = {col: values for col, values in grid.numbers.items() if col in body.columns}
    for values in numbers.values():  # a row of number cells alone is no blank row
        filled |= values.is_valid().to_numpy(zero_copy_only=False)[positions]
    if not filled.all():  # blank rows dropped (a copy of every column: only when there are)
        body, positions = body[filled], positions[filled]
    letters = {name: column_letter(col) for name, col in mapping.items()}
    table = Table(spec, grid.sheet, header_row, pd.DataFrame(index=body.index), letters,
                  extra_columns=extra)
    table.issues.extend(_missing_columns(grid.sheet, spec, mapping, header_row, header, locale))
    columns: dict[str, pd.Series] = {}
    for name, col in mapping.items():
        floats = _rows(numbers[col], positions) if col in numbers else None
        columns[name] = _read_column(table, spec.column(name), body[col], grid.errors, col, locale,
                                     floats)
    if columns:  # built at once: inserting column by column costs more than reading them
        table.frame = pd.DataFrame(columns, index=body.index)
    return table


# The first or last byte of a text that may be whitespace to utf8_trim_whitespace: ASCII
# whitespace, the separators U+001C-U+001F, and any byte of a multi-byte character (U+00A0...).
_MAYBE_SPACE = np.zeros(256, dtype=bool)
_MAYBE_SPACE[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20]] = True
_MAYBE_SPACE[0x80:] = True


def _rows(values: pa.Array, positions: np.ndarray) -> pa.Array:
    """`values` at `positions` (a slice when they run on, as they do but for blank rows)."""
    if len(positions) and positions[-1] - positions[0] == len(positions) - 1:
        return values.slice(int(positions[0]), len(positions))
    return values.take(pa.array(positions))


def _trimmed(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text cells with Unicode whitespace trimmed (utf8_trim_whitespace). A column whose texts
    neither start nor end with a byte that may be whitespace is kept as it is; one of ASCII text
    without the separators U+001C-U+001F (whitespace to Unicode, not to ASCII) is trimmed as
    ASCII: the same result, several times faster."""
    strings = values if values.type == pa.string() else pc.cast(values, pa.string())
    chunks = strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]
    ascii, ends = True, False  # ends: a text may start or end with whitespace
    for chunk in chunks:
        _validity, offsets, data = chunk.buffers()
        raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        if offsets is None or not len(raw):
            continue
        ascii = ascii and not (raw.max() >= 0x80 or ((raw - np.uint8(0x1C)) < 4).any())
        bounds = np.frombuffer(offsets, dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
        filled = bounds[1:] > bounds[:-1]  # a null holds no characters
        ends = ends or bool(_MAYBE_SPACE[raw[bounds[:-1][filled]]].any()
                            or _MAYBE_SPACE[raw[bounds[1:][filled] - 1]].any())
    if not ends:  # nothing to trim (the usual case): the column as it is, no copy of its texts
        return strings
    return pc.ascii_trim_whitespace(strings) if ascii else pc.utf8_trim_whitespace(strings)


def _data_area(grid: Grid, spec: SheetSpec) -> tuple[pd.DataFrame, int | None]:
    """The rows and columns that hold the data (an Excel Table's range, or the whole sheet) and
    the header row number, or None when no row names any known column."""
    # Input cells are read trimmed: "  ACME " is ACME and a cell of spaces is blank.
    frame = pd.DataFrame({col: text_column(_trimmed(pa.array(grid.frame[col].array)))
                          for col in grid.frame.columns})
    frame.index = pd.RangeIndex(grid.first_row, grid.first_row + len(grid.frame))
    table = _best_table(grid, spec)
    if table is not None:
        cols = [c for c in frame.columns if table.min_col <= int(c) <= table.max_col]
        return frame.loc[table.min_row : table.max_row, cols], table.min_row
    best_row, best_score = None, 0
    top = [pa.array(frame[col].array[:HEADER_SEARCH_ROWS]).to_pylist() for col in frame.columns]
    for row, cells in zip(frame.index, zip(*top, strict=True), strict=False):
        score = len(_match_columns(zip(frame.columns, cells, strict=True), spec)[0])
        if score > best_score:
            best_row, best_score = row, score
    return frame, best_row


def _best_table(grid: Grid, spec: SheetSpec) -> TableRange | None:
    best, best_score = None, 0
    for table in grid.tables:
        row = grid.frame.iloc[table.min_row - grid.first_row] if table.min_row >= grid.first_row else None
        if row is None:
            continue
        header = row[[c for c in grid.frame.columns if table.min_col <= int(c) <= table.max_col]]
        score = len(_match_columns(header.items(), spec)[0])
        if score > best_score:
            best, best_score = table, score
    return best


def _match_columns(header: Iterable[tuple[Any, Any]], spec: SheetSpec) -> tuple[dict[str, int], list[str]]:
    """Canonical column -> sheet column, and the header texts no column claims, from (sheet
    column, header cell) pairs."""
    mapping: dict[str, int] = {}
    extra: list[str] = []
    for col, text in header:
        if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
            continue
        column = spec.column_for(text)
        if column is None or column.name in mapping:
            extra.append(str(text))
        else:
            mapping[column.name] = int(col)
    return mapping, extra


def _missing_columns(sheet: str, spec: SheetSpec, mapping: dict[str, int], header_row: int,
                     header: pd.Series, locale: str) -> list[Issue]:
    first_col = int(header.index[0]) if len(header.index) else 1
    return [
        Issue(sheet, f"{column_letter(first_col)}{header_row}", header_row, column.name,
              "sheet.missing_column", Severity.ERROR,
              rule("sheet.missing_column").message(locale, column=column.name), "")
        for column in spec.columns
        if column.required and column.name not in mapping
    ]


def _headerless(grid: Grid, spec: SheetSpec, area: pd.DataFrame, locale: str) -> Table:
    first = int(area.index[0]) if len(area.index) else grid.first_row
    example = ", ".join(c.name for c in spec.columns[:4])
    issue = Issue(grid.sheet, f"A{first}", first, "", "sheet.no_header", Severity.ERROR,
                  rule("sheet.no_header").message(locale, detail=example), "")
    return Table(spec, grid.sheet, first, pd.DataFrame(), {}, [issue])


def _missing_sheet(spec: SheetSpec) -> Issue:
    return Issue(spec.name, "", None, "", "sheet.missing", Severity.ERROR,
                 rule("sheet.missing").message("en", column=spec.name, detail=", ".join(spec.aliases)),
                 "")


def _read_column(table: Table, column: Column, raw: pd.Series, errors: dict[tuple[int, int], str],
                 col: int, locale: str, floats: pa.Array | None = None) -> pd.Series:
    """One column's values parsed (returned), its unreadable cells and their issues noted.
    `floats`: the column's number cells, read typed (`raw` then holds its other cells)."""
    text = pa.array(raw.array) if len(raw) else pa.array([], pa.string())
    if floats is not None and column.kind not in NUMERIC_KINDS:  # planned as numbers, named
        text, floats = as_text(floats, text), None  # otherwise: its cells as text after all
    values: Any
    if floats is not None and column.kind in EXACT_KINDS:
        values, bad, text = exact_from_floats(floats, text, locale, _exact_numbers)
    elif floats is not None:
        values, bad, text = numbers_from_floats(floats, text, locale, _numbers)
    elif column.kind in EXACT_KINDS:
        values, bad = _exact_numbers(text, locale)
    elif column.kind in NUMERIC_KINDS:
        values, bad = _numbers(text, locale)
    elif column.kind is Kind.DATE:
        values, bad = _dates(text)
    elif column.kind is Kind.PERIOD:
        strings = [parse_period(v) if v is not None else None for v in text.to_pylist()]
        bad = text.is_valid().to_numpy(zero_copy_only=False) & np.array([v is None for v in strings])
        values = np.array(strings, dtype=object)
    else:  # text stays Arrow strings: no Python object per cell
        values = pd.arrays.ArrowExtensionArray(text)
        bad = np.zeros(len(text), dtype=bool)
    table.unreadable[column.name] = pd.Series(bad, index=raw.index)
    for position in np.flatnonzero(bad).tolist():
        row = int(raw.index[position])
        table.issues.append(_read_issue(table, column, row, str(text[position]), "read.unreadable",
                                        locale, kind_name(column.kind, locale)))
    for (row, err_col), error in errors.items():
        if err_col == col and row in raw.index:
            table.unreadable[column.name][row] = True
            table.issues.append(_read_issue(table, column, row, error, "read.error_value", locale))
    return pd.Series(values, index=raw.index)


def _numbers(text: pa.Array, locale: str) -> tuple[np.ndarray, np.ndarray]:
    """Plain numbers parsed at once; only the rest go through the tolerant per-cell parser."""
    try:  # every cell a plain number, as number cells read: one cast (Arrow parses no more
        numbers = pc.cast(text, pa.float64())  # than PLAIN_NUMBER as a finite number)
    except pa.ArrowInvalid:
        plain = pc.fill_null(pc.match_substring_regex(text, PLAIN_NUMBER), False)
        numbers = pc.cast(pc.if_else(plain, text, pa.scalar(None, pa.string())), pa.float64())
    values = numbers.to_numpy(zero_copy_only=False).astype("float64", copy=True)
    values[~np.isfinite(values)] = np.nan
    present = text.is_valid().to_numpy(zero_copy_only=False)
    for position in np.flatnonzero(present & np.isnan(values)):
        parsed = parse_number(str(text[position]), locale)
        if parsed is not None and np.isfinite(parsed):
            values[position] = parsed
    return values, present & np.isnan(values)


def _exact_numbers(text: pa.Array, locale: str) -> tuple[pd.arrays.ArrowExtensionArray, np.ndarray]:
    """Exact decimals: short number texts cast at once; the rest (typed text like "R$ 1.234,56",
    exponents, more than 15 significant digits) parsed per cell and put back as plain text."""
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    short = pc.less_equal(pc.binary_length(text), _SHORT)
    if pc.all(short).as_py() is not False:  # (nulls aside) every text short enough to be exact
        try:  # every cell a plain number, as number cells read: one cast, no regex
            values = decimal_column(text)
            return pd.arrays.ArrowExtensionArray(values), np.zeros(len(text), dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    plain = pc.fill_null(pc.and_(pc.match_substring_regex(text, _PLAIN_DECIMAL), short), False)
    present = text.is_valid().to_numpy(zero_copy_only=False)
    odd = np.flatnonzero(present & ~plain.to_numpy(zero_copy_only=False))
    fixed = [_plain_cell(str(text[position]), locale) for position in odd]
    texts = pc.if_else(plain, text, pa.scalar(None, pa.string()))
    if len(odd):
        mask = np.zeros(len(text), dtype=bool)
        mask[odd] = True
        texts = pc.replace_with_mask(texts, pa.array(mask), pa.array(fixed, pa.string()))
    values = decimal_column(texts)
    return pd.arrays.ArrowExtensionArray(values), present & ~texts.is_valid().to_numpy(zero_copy_only=False)


def _plain_cell(text: str, locale: str) -> str | None:
    """A typed number as the plain text of its exact value (to Excel's 15 significant digits:
    see engine.money.excel_precision), or None when unreadable."""
    value = parse_decimal(text, locale)
    return None if value is None else plain_text(excel_precision(value))


def _dates(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Dates as Excel cells give them ("YYYY-MM-DD HH:MM:SS") at once; typed text per cell."""
    stamps = pc.strptime(text, format=_MACHINE_DATETIME, unit="s", error_is_null=True)
    values = stamps.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    present = text.is_valid().to_numpy(zero_copy_only=False)
    for position in np.flatnonzero(present & np.isnat(values)):
        parsed = parse_date(str(text[position]))
        if parsed is not None:
            values[position] = np.datetime64(parsed, "s")
    # A date column holds days: a time of day (a timestamp typed or pasted) must not make
    # 2026-10-31 15:00 fall outside October or a same-day due date come "before" the issue.
    return values.astype("datetime64[D]").astype("datetime64[s]"), present & np.isnat(values)


def _read_issue(table: Table, column: Column, row: int, value: str, rule_id: str, locale: str,
                detail: str = "") -> Issue:
    return Issue(table.sheet, table.cell(column.name, row), row, column.name, rule_id,
                 Severity.ERROR, rule(rule_id).message(locale, column=column.name, value=value,
                                                       detail=detail), value)
