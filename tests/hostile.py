"""Builders of hostile (and a few valid) workbook files, each written for real into a folder.

Every `make_*` function takes the destination folder and returns the path of the file it wrote.
They are used by tests/test_hostile_files.py and can be reused by any test of a door (CLI, add-in)
that must refuse a bad file politely.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL_DOC = "http://purl.oclc.org/ooxml/officeDocument/relationships"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)
CONTENT_TYPES_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
)


def _rels(target: str) -> bytes:
    """A package _rels/.rels whose officeDocument relationship points at `target`."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_DOC}/officeDocument" Target="{target}"/>'
        "</Relationships>"
    ).encode()


def make_xlsx(folder: Path, name: str = "valid.xlsx") -> Path:
    """A small, valid workbook written by openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["order_id", "customer", "amount"])
    for i in range(1, 21):
        ws.append([i, f"Customer {i}", i * 10.5])
    path = folder / name
    wb.save(path)
    return path


def rewrite(
    src: Path,
    dst: Path,
    edit: Callable[[str, bytes], bytes] = lambda _name, data: data,
    extra: tuple[tuple[str, bytes], ...] = (),
) -> Path:
    """Copy the zip `src` to `dst`, passing each member through `edit`, then appending `extra`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, edit(info.filename, zin.read(info)))
        for name, data in extra:
            zout.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return dst


def make_xlsm(folder: Path, name: str = "macro.xlsm") -> Path:
    """A macro-enabled workbook: a fake xl/vbaProject.bin and the macroEnabled content type."""

    def edit(part: str, data: bytes) -> bytes:
        text = data.decode()
        if part == "[Content_Types].xml":
            text = text.replace(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            ).replace(
                "<Default ",
                '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                "<Default ",
                1,
            )
        if part == "xl/_rels/workbook.xml.rels":
            text = text.replace(
                "</Relationships>",
                '<Relationship Id="rIdVba" Target="vbaProject.bin" Type='
                '"http://schemas.microsoft.com/office/2006/relationships/vbaProject"/>'
                "</Relationships>",
            )
        return text.encode()

    base = make_xlsx(folder, "_base_for_xlsm.xlsx")
    vba = OLE_MAGIC + b"fake VBA project" * 64
    return rewrite(base, folder / name, edit, (("xl/vbaProject.bin", vba),))


def make_ole2(folder: Path, name: str, streams: tuple[str, ...]) -> Path:
    """A real (minimal) OLE2 compound file: one FAT sector, one directory sector, empty streams."""
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE_MAGIC, bytes(16), 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
        0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0,
    )  # fmt: skip
    header += struct.pack("<109I", 0, *[FREESECT] * 108)
    fat = struct.pack("<128I", FATSECT, ENDOFCHAIN, *[FREESECT] * 126)
    entries = [("Root Entry", 5, NOSTREAM, 1 if streams else NOSTREAM)]
    for i, stream in enumerate(streams, start=1):
        entries.append((stream, 2, i + 1 if i < len(streams) else NOSTREAM, NOSTREAM))
    directory = b""
    for entry_name, kind, right, child in entries:
        raw = (entry_name + "\0").encode("utf-16-le")
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            raw, len(raw), kind, 1, NOSTREAM, right, child, bytes(16), 0, 0, 0, ENDOFCHAIN, 0,
        )  # fmt: skip
    directory = directory.ljust(512, b"\0")
    for off in range(len(entries) * 128, 512, 128):  # unused entries: no siblings, no child
        siblings = struct.pack("<III", *[NOSTREAM] * 3)
        directory = directory[: off + 68] + siblings + directory[off + 80 :]
    path = folder / name
    path.write_bytes(header + fat + directory)
    return path


def make_xls(folder: Path) -> Path:
    """A legacy .xls: an OLE2 file with a Workbook stream."""
    return make_ole2(folder, "legacy.xls", ("Workbook", "\x05SummaryInformation"))


def make_encrypted_fake(folder: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE2 file with EncryptionInfo."""
    return make_ole2(folder, "secret.xlsx", ("EncryptionInfo", "EncryptedPackage"))


def make_encrypted_real(folder: Path) -> Path:
    """A really encrypted .xlsx (password 'secret'), made with msoffcrypto-tool."""
    import msoffcrypto  # type: ignore[import-untyped]  # dev-only dependency

    plain = make_xlsx(folder, "_plain.xlsx")
    path = folder / "locked.xlsx"
    with plain.open("rb") as src, path.open("wb") as out:
        msoffcrypto.OfficeFile(src).encrypt("secret", out)
    return path


def make_zip(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    """A zip with exactly these members."""
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def make_xlsb(folder: Path) -> Path:
    """A binary .xlsb workbook (zip with xl/workbook.bin)."""
    types = CONTENT_TYPES_HEAD + (
        '<Override PartName="/xl/workbook.bin" '
        'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>'
    )
    members = {"[Content_Types].xml": types.encode(), "_rels/.rels": _rels("xl/workbook.bin")}
    return make_zip(folder, "binary.xlsb", {**members, "xl/workbook.bin": b"\x83\x01\x00" * 50})


def make_docx(folder: Path) -> Path:
    """A Word document renamed to .xlsx."""
    types = CONTENT_TYPES_HEAD + (
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    doc = b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body/></w:document>'
    members = {"[Content_Types].xml": types.encode(), "_rels/.rels": _rels("word/document.xml")}
    return make_zip(folder, "letter.xlsx", {**members, "word/document.xml": doc})


def make_plain_zip(folder: Path) -> Path:
    """A random zip archive renamed to .xlsx."""
    return make_zip(folder, "archive.xlsx", {"readme.txt": b"hello", "data/a.csv": b"a,b\n1,2\n"})


def make_strict(folder: Path) -> Path:
    """A workbook saved as Strict Open XML (namespaces under purl.oclc.org)."""

    def edit(_part: str, data: bytes) -> bytes:
        text = data.decode().replace(MAIN_NS, STRICT_MAIN_NS).replace(REL_DOC, STRICT_REL_DOC)
        return text.encode()

    return rewrite(make_xlsx(folder, "_base_strict.xlsx"), folder / "strict.xlsx", edit)


def make_billion_laughs(folder: Path) -> Path:
    """xl/workbook.xml with a DTD declaring nested entities (the 'billion laughs' attack)."""

    def edit(part: str, data: bytes) -> bytes:
        if part != "xl/workbook.xml":
            return data
        body = data.decode()
        body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
        body = body.replace("<sheets>", "<sheets>&lol9;", 1)
        return (BILLION_LAUGHS + body).encode()

    return rewrite(make_xlsx(folder, "_base_lol.xlsx"), folder / "laughs.xlsx", edit)


def make_zip_bomb(folder: Path, megabytes: int = 200) -> Path:
    """A valid workbook plus one member of `megabytes` MB of zeros, deflated as it streams."""
    path = make_xlsx(folder, "bomb.xlsx")
    chunk = bytes(1024**2)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/media/zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(megabytes):
            member.write(chunk)
    return path


def make_with_member(folder: Path, name: str, member: str) -> Path:
    """A valid workbook plus one extra member with the given (hostile) name."""
    return rewrite(make_xlsx(folder, f"_base_{name}"), folder / name, extra=((member, b"x"),))


def make_truncated(folder: Path) -> Path:
    """The first half of a valid workbook (an interrupted copy or download)."""
    data = make_xlsx(folder, "_base_truncated.xlsx").read_bytes()
    path = folder / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def make_corrupt_member(folder: Path) -> Path:
    """A valid workbook whose xl/workbook.xml compressed bytes are flipped in the middle."""
    src = make_xlsx(folder, "_base_corrupt.xlsx")
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/workbook.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    for i in range(start, start + 8):
        data[i] ^= 0xFF
    path = folder / "corrupt.xlsx"
    path.write_bytes(bytes(data))
    return path


def make_bytes(folder: Path, name: str, data: bytes) -> Path:
    """Any bytes under any name (CSV, HTML, random, empty...)."""
    path = folder / name
    path.write_bytes(data)
    return path


def csv_bytes() -> bytes:
    """A typical semicolon CSV export, as some ERPs write with an .xlsx name."""
    rows = ["order_id;customer;amount"] + [f"{i};Client {i};{i * 3},50" for i in range(1, 200)]
    return "\r\n".join(rows).encode("cp1252")


def html_bytes() -> bytes:
    """An HTML table, as 'Export to Excel' buttons of web apps write it."""
    return b"<html><body><table><tr><td>order</td><td>42</td></tr></table></body></html>"


def random_bytes(n: int = 4096) -> bytes:
    """Deterministic random bytes."""
    return random.Random(1234).randbytes(n)
