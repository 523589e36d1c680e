"""Add the few cell formats our output sheets need to a workbook's styles.xml, without
disturbing existing ones: entries are only appended (existing style indexes keep their meaning),
and an identical entry already present is reused, so re-running adds nothing."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from workbooks.layout import money_format
from workbooks.model import CellKind
from workbooks.xlsx.ooxml import MAIN, parse, q, serialise

# Number formats by output kind: (numFmtId, format code or None for a built-in id).
NUMBER_FORMATS: dict[str, tuple[int, str | None]] = {
    CellKind.TEXT: (49, None),  # "@"
    CellKind.INTEGER: (1, None),  # "0"
    CellKind.NUMBER: (0, None),  # General
    CellKind.MONEY: (4, None),  # "#,##0.00"
    CellKind.PERCENT: (10, None),  # "0.00%"
    CellKind.DATE: (-1, "yyyy-mm-dd"),
}
MARK_FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
# CT_Font's children in the order of the Open XML SDK's sequence. openpyxl writes name/family/color
# before sz, which the SDK's validator rejects; Excel itself writes this order.
FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign",
              "sz", "color", "name", "family", "charset", "scheme")
QUOTED_TEXT = "quoted"  # text starting with = + - @: quotePrefix keeps it text when edited
HEADING_SIZE = "14"
# The order Excel writes a font's children in (CT_Font): Excel refuses other orders.
_FONT_ORDER = ["b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign",
               "sz", "color", "name", "family", "charset", "scheme"]

EMPTY_STYLES = (
    f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/>'
    '<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" '
    'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" '
    'fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>'
).encode()


class StyleBook:
    """styles.xml being extended with our formats."""

    def __init__(self, data: bytes | None) -> None:
        self.original = data
        self.root = parse(data or EMPTY_STYLES)
        self.changed = data is None
        self._cell_styles: dict[tuple[CellKind, str, bool, bool, bool], int] = {}

    def output_styles(self) -> dict[str, int]:
        """The cellXfs index for each output kind, plus QUOTED_TEXT."""
        styles = {kind: self._xf(numfmt=self._numfmt(*spec)) for kind, spec in NUMBER_FORMATS.items()}
        styles[QUOTED_TEXT] = self._xf(numfmt=49, quote_prefix=True)
        return styles

    def cell_style(self, kind: CellKind, currency: str = "", *, bold: bool = False,
                   heading: bool = False, quoted: bool = False) -> int:
        """The cellXfs index for an output cell: its kind's number format (money in `currency`),
        bold or heading (bold, larger) font, quotePrefix for text that looks like a formula."""
        key = (kind, currency, bold, heading, quoted)
        found = self._cell_styles.get(key)
        if found is not None:  # the common case, once per cell of a big sheet
            return found
        if kind is CellKind.MONEY and currency:
            numfmt = self._numfmt(-1, money_format(currency))
        else:
            numfmt = self._numfmt(*NUMBER_FORMATS[kind])
        font = self._font(bold or heading, HEADING_SIZE if heading else None)
        self._cell_styles[key] = self._xf(numfmt=numfmt, font=font, quote_prefix=quoted)
        return self._cell_styles[key]

    @property
    def looked_up(self) -> int:
        """How many cell styles were asked for so far (it grows when a new one is)."""
        return len(self._cell_styles)

    def mark_style(self, base_xf: int, level: str) -> int:
        """A copy of cell format `base_xf` with the mark's fill (number format etc. kept)."""
        xfs = self._section("cellXfs")
        base = xfs[base_xf] if base_xf < len(xfs) else xfs[0]
        number = {name: _index(base, name, base_xf) for name in ("numFmtId", "fontId", "borderId")}
        fill = self._fill(MARK_FILLS[level])
        return self._xf(numfmt=number["numFmtId"], font=number["fontId"], fill=fill,
                        border=number["borderId"], like=base)

    def to_bytes(self) -> bytes:
        """The part, serialised."""
        return serialise(self.root, self.original)

    def _section(self, name: str) -> etree._Element:
        section = self.root.find(q(name))
        if section is None:
            section = etree.SubElement(self.root, q(name))
            order = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs"]
            anchor = None
            for earlier in order[: order.index(name)]:
                anchor = self.root.find(q(earlier)) if self.root.find(q(earlier)) is not None else anchor
            if anchor is not None:
                anchor.addnext(section)
            else:
                self.root.insert(0, section)
        return section

    def _append(self, section_name: str, element: etree._Element) -> int:
        section = self._section(section_name)
        for index, existing in enumerate(section):
            if _same(existing, element):
                return index
        section.append(element)
        section.set("count", str(len(section)))
        self.changed = True
        return len(section) - 1

    def _numfmt(self, builtin: int, code: str | None) -> int:
        if code is None:
            return builtin
        section = self._section("numFmts")
        for fmt in section:
            if fmt.get("formatCode") == code:
                return int(fmt.get("numFmtId", "0"))
        new_id = max([163, *(int(f.get("numFmtId", "0")) for f in section)]) + 1
        etree.SubElement(section, q("numFmt"), numFmtId=str(new_id), formatCode=code)
        section.set("count", str(len(section)))
        self.changed = True
        return new_id

    def _font(self, bold: bool, size: str | None) -> int:
        """A copy of the default font (index 0), bold and/or resized; 0 when neither."""
        if not bold and size is None:
            return 0
        fonts = self._section("fonts")
        font = etree.fromstring(etree.tostring(fonts[0])) if len(fonts) else etree.Element(q("font"))
        for child in list(font):
            if etree.QName(child).localname == "b" or (size and etree.QName(child).localname == "sz"):
                font.remove(child)
        if bold:
            etree.SubElement(font, q("b"))
        if size:
            etree.SubElement(font, q("sz"), val=size)
        order = {name: i for i, name in enumerate(_FONT_ORDER)}
        font[:] = sorted(font, key=lambda el: order.get(etree.QName(el).localname, len(order)))
        return self._append("fonts", font)

    def _fill(self, rgb: str) -> int:
        fill = etree.Element(q("fill"))
        pattern = etree.SubElement(fill, q("patternFill"), patternType="solid")
        etree.SubElement(pattern, q("fgColor"), rgb=rgb)
        etree.SubElement(pattern, q("bgColor"), indexed="64")
        return self._append("fills", fill)

    def _xf(self, *, numfmt: int, font: int = 0, fill: int = 0, border: int = 0,
            quote_prefix: bool = False, like: etree._Element | None = None) -> int:
        xf = etree.Element(q("xf"), numFmtId=str(numfmt), fontId=str(font), fillId=str(fill),
                           borderId=str(border), xfId=(like.get("xfId", "0") if like is not None else "0"))
        if numfmt:
            xf.set("applyNumberFormat", "1")
        if font and like is None:  # (marks keep the cell's font as it was)
            xf.set("applyFont", "1")
        if fill:
            xf.set("applyFill", "1")
        if quote_prefix:
            xf.set("quotePrefix", "1")
        if like is not None:
            for child in like:  # alignment / protection of the original cell
                xf.append(etree.fromstring(etree.tostring(child)))
        return self._append("cellXfs", xf)


class DamagedStyles(ValueError):
    """A cell format whose index attribute is not a number (the caller names the workbook)."""


def _index(xf: etree._Element, name: str, position: int) -> int:
    """An index attribute of a cell format; a damaged one refuses the save (nothing written)."""
    text = xf.get(name, "0")
    if not text.isdigit():
        raise DamagedStyles(f"xl/styles.xml: cell format {position} has {name}={text[:40]!r}, not "
                          "an index; the styles part is damaged, so nothing was written (open "
                          "and save the workbook in Excel to repair it).")
    return int(text)


def _same(a: etree._Element, b: etree._Element) -> bool:
    """Equal by namespaced tag, attributes and children, whatever prefix each was written with."""
    return (a.tag == b.tag and dict(a.attrib) == dict(b.attrib) and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True)))


def schema_font_order(package: bytes, part: str = "xl/styles.xml") -> bytes:
    """A package (zip bytes) that the tool itself created with openpyxl (the demo book, a results
    sidecar), with each <font>'s children in the schema's order. A user's styles are never
    reordered: entries we do not own stay byte for byte."""
    source = zipfile.ZipFile(io.BytesIO(package))
    root = parse(source.read(part))
    rank = {q(name): index for index, name in enumerate(FONT_ORDER)}
    for font in root.iter(q("font")):
        font[:] = sorted(font, key=lambda child: rank.get(child.tag, len(rank)))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, serialise(root, data) if info.filename == part else data)
    return out.getvalue()
