"""Safety check of a workbook file before any reader touches it.

`inspect_file` looks at the bytes (magic numbers, the zip central directory, the first 64 KiB of
each XML part, the roots and relationships of the parts we will read or edit: part_check) and
either returns the kind of package or raises `UnreadableWorkbook` with a one-line message naming
the file, the reason and the fix. It only reads: the file is never
modified, and no part is ever decompressed beyond what the checks need.
"""

from __future__ import annotations

import pathlib
import stat
import struct
import zipfile
import zlib
from typing import BinaryIO

from lxml import etree

from engine.errors import UnreadableWorkbook
from workbooks.xlsx.part_check import SMALL_PART, STRICT, NotXml, PartProblem, check_parts, xml

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED = ("EncryptionInfo", "EncryptedPackage")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
HEAD_SIZE = 64 * 1024
BOMB_MEMBER = 10 * 1024**2
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
FIX_SAVE_XLSX = "open it in Excel and save it as .xlsx (Excel Workbook)"
OFFICE_DOCUMENT = "/relationships/officeDocument"
STRICT_NS = b"purl.oclc.org/ooxml"
DTD_MARKS = tuple(
    m.encode(e) for m in ("<!DOCTYPE", "<!ENTITY") for e in ("utf-8", "utf-16-le", "utf-16-be")
)
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
OTHER_APPS = {"word/": "a Word document", "ppt/": "a PowerPoint presentation"}
OPC_ROOT = ("[content_types].xml", "_rels/.rels")
_BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, RuntimeError,
           NotImplementedError, ValueError, struct.error, KeyError, IndexError)


def inspect_file(path: pathlib.Path, *, max_total_uncompressed: int = 4 * 1024**3,
                 max_ratio: int = 200) -> str:
    """Return "xlsx" or "xlsm" for a package we can read safely, else raise UnreadableWorkbook."""
    path = pathlib.Path(path)
    try:
        head = _read_head(path)
        if head.startswith(ZIP_MAGICS):
            return _inspect_zip(path, max_total_uncompressed, max_ratio)
        if head.startswith(OLE_MAGIC):
            raise refusal(path, _ole_reason(path))
        raise refusal(path, _other_reason(path, head))
    except UnreadableWorkbook:
        raise
    except Exception as exc:  # the contract: a bad file never escapes as anything else
        raise refusal(path, f"it could not be checked ({type(exc).__name__}: {exc})") from exc


def refusal(path: pathlib.Path, reason: str) -> UnreadableWorkbook:
    """The one-line refusal of a file: 'Cannot read "NAME": REASON.' (REASON names the fix)."""
    name = "".join(ch if ch.isprintable() else "?" for ch in path.name)
    return UnreadableWorkbook(" ".join(f'Cannot read "{name}": {reason}.'.split()))


def _size(n: int) -> str:
    """Human size in binary units: '12 KB', '200 MB', '4.0 GB'."""
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n / 1024**2:.0f} MB" if n >= 1024**2 else f"{n / 1024:.0f} KB"


def _read_head(path: pathlib.Path) -> bytes:
    """Check the path is a non-empty readable regular file and return its first 64 KiB."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise refusal(path, "the file does not exist; check the folder and the file name") from None
    except (OSError, ValueError) as exc:
        raise refusal(path, f"the file cannot be accessed ({exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise refusal(path, "it is a folder, not a workbook file") from None
    if not stat.S_ISREG(st.st_mode):
        raise refusal(path, "it is not a regular file (device, pipe or socket)")
    if st.st_size == 0:
        raise refusal(path, "the file is empty (0 bytes), an interrupted save or copy; save it again")
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_SIZE)
    except PermissionError:
        raise refusal(path, "permission denied; check the file permissions") from None
    except OSError as exc:
        raise refusal(path, f"the file cannot be read ({exc.strerror or exc})") from None


def _ole_reason(path: pathlib.Path) -> str:
    """Explain an OLE2 file: encrypted package, legacy .xls, or another old Office document."""
    with path.open("rb") as fh:
        try:
            names = _ole_directory(fh)
        except _BROKEN:
            names = set()
        if not names:  # damaged directory: look for the UTF-16LE names in the raw bytes instead
            fh.seek(0)
            raw = fh.read(64 * 1024**2)
            names = {n for n in (*ENCRYPTED, "Workbook", "Book") if n.encode("utf-16-le") in raw}
    if names & set(ENCRYPTED):
        return ("it is password-protected (encrypted); open it in Excel with the password and "
                "save a copy without a password")
    if names & {"Workbook", "Book"} or not names:
        return f"it is a legacy .xls (Excel 97-2003) binary workbook; {FIX_SAVE_XLSX} first"
    return "it is an old-format Office document (OLE2), not an Excel workbook"


def _ole_directory(fh: BinaryIO) -> set[str]:
    """Return the entry names of an OLE2 directory, following its FAT chain (header + DIFAT)."""
    fh.seek(0)
    hdr = fh.read(512)
    ssz = 1 << struct.unpack_from("<H", hdr, 30)[0]
    if ssz not in (512, 4096):
        return set()
    fat_sectors = list(struct.unpack_from("<109I", hdr, 76))
    nxt, count = struct.unpack_from("<II", hdr, 68)
    for _ in range(min(count, 65536)):
        if nxt >= 0xFFFFFFFA:
            break
        fh.seek((nxt + 1) * ssz)
        ids = struct.unpack(f"<{ssz // 4}I", fh.read(ssz))
        fat_sectors.extend(ids[:-1])
        nxt = ids[-1]
    names: set[str] = set()
    sector, seen = struct.unpack_from("<I", hdr, 48)[0], set[int]()
    while sector < 0xFFFFFFFA and sector not in seen and len(seen) < 65536:
        seen.add(sector)
        fh.seek((sector + 1) * ssz)
        block = fh.read(ssz)
        for off in range(0, len(block) - 127, 128):
            length = struct.unpack_from("<H", block, off + 64)[0]
            if block[off + 66] and 2 <= length <= 64:
                names.add(block[off:off + length - 2].decode("utf-16-le", "replace"))
        fh.seek((fat_sectors[sector // (ssz // 4)] + 1) * ssz + (sector % (ssz // 4)) * 4)
        sector = struct.unpack("<I", fh.read(4))[0]
    return names


def _other_reason(path: pathlib.Path, head: bytes) -> str:
    """Name what a non-package file really is (HTML, Excel 2003 XML, CSV/text, unknown)."""
    suffix = path.suffix.lower()
    excel = suffix in (*EXCEL_SUFFIXES, ".xls", ".xlsb")
    what = f" renamed to {suffix}" if excel else ", not an Excel workbook"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<head", b"<body", b"<meta")):
        return f"it is an HTML file{what}; {FIX_SAVE_XLSX}"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return f"it is an Excel 2003 XML spreadsheet{what}; {FIX_SAVE_XLSX}"
    if _looks_like_text(head):
        return f"it is a CSV/text file{what}; {FIX_SAVE_XLSX}"
    return "it is not an Excel workbook (unrecognised content)"


def _looks_like_text(head: bytes) -> bool:
    """True when the bytes decode to text with (almost) no control characters."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", "replace")
    else:
        text = head.decode("latin-1")
    bad = sum(1 for ch in text if (ch < " " and ch not in "\t\r\n") or ch in "\x7f\ufffd")
    return bad <= len(text) // 100


def _inspect_zip(path: pathlib.Path, max_total: int, max_ratio: int) -> str:
    """Check a zip: member names and sizes, then the OPC package structure."""
    damaged = "it is damaged (truncated or corrupt zip); restore it from a backup or re-save it"
    try:
        with zipfile.ZipFile(path) as zf:
            _check_members(path, zf.infolist(), max_total, max_ratio)
            return _check_package(path, zf)
    except NotXml as bad:
        raise refusal(path, f"it is damaged (part {bad.part} is not well-formed XML: {bad.problem}); "
                            "restore it from a backup or re-save it") from None
    except etree.LxmlError as exc:
        raise refusal(path, f"it is damaged (a package part is not well-formed XML: {exc})") from None
    except _BROKEN:
        raise refusal(path, damaged) from None


def _check_members(path: pathlib.Path, infos: list[zipfile.ZipInfo], max_total: int,
                   max_ratio: int) -> None:
    """Refuse unsafe member names, duplicated members and zip bombs (declared sizes)."""
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or name[1:2] == ":" or ".." in parts:
            raise refusal(path, f"it contains an unsafe member path ({name!r}); refusing to read it")
        if name.casefold() in seen:
            raise refusal(path, f"it contains the part {name!r} twice (tampered or corrupt zip)")
        seen.add(name.casefold())
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > BOMB_MEMBER and ratio > max_ratio:
            raise refusal(path, f"part {name} expands to {_size(info.file_size)} at a {ratio:.0f}:1 "
                              "ratio (zip bomb); refusing to read it")
    total = sum(info.file_size for info in infos)
    if total > max_total:
        raise refusal(path, f"it expands to {_size(total)}, over the {_size(max_total)} limit "
                          "(zip bomb?); refusing to read it")


def _read_part(path: pathlib.Path, zf: zipfile.ZipFile, name: str, *, whole: bool) -> bytes:
    """Read a part (whole when small, so its CRC is checked, else 64 KiB) and refuse DTDs."""
    size = zf.getinfo(name).file_size
    with zf.open(name) as part:
        data = part.read(size + 1 if whole and size <= SMALL_PART else HEAD_SIZE)
    if any(mark in data[:HEAD_SIZE] for mark in DTD_MARKS):
        raise refusal(path, f"part {name} declares a DTD/entity (<!DOCTYPE/<!ENTITY), which Excel "
                          "never writes: XML-entity attack risk; refusing to read it")
    return data


def _check_package(path: pathlib.Path, zf: zipfile.ZipFile) -> str:
    """Check the OPC structure: content types, officeDocument target, Strict, XML parts."""
    parts = {name.casefold(): name for name in zf.namelist()}
    if "xl/workbook.bin" in parts:
        raise refusal(path, f"it is a binary .xlsb workbook, which is not supported; {FIX_SAVE_XLSX}")
    if "[content_types].xml" not in parts:
        raise refusal(path, "it is a zip archive but not an Excel workbook (no [Content_Types].xml)")
    types = _read_part(path, zf, parts["[content_types].xml"], whole=True)
    target, rel_type = "xl/workbook.xml", ""
    if "_rels/.rels" in parts:
        rels = parts["_rels/.rels"]
        target, rel_type = _office_document(_read_part(path, zf, rels, whole=True), rels)
    if STRICT_NS.decode() in rel_type:
        raise refusal(path, STRICT)
    app = next((app for top, app in OTHER_APPS.items() if target.startswith(top)), "")
    if app or target.casefold() not in parts:
        raise refusal(path, f"it is not an Excel workbook ({app or 'it has no workbook part'})")
    folder, _, base = target.rpartition("/")
    key = {target.casefold(), f"{folder}/_rels/{base}.rels".lstrip("/").casefold()}
    for low, name in parts.items():
        if low.endswith((".xml", ".rels", ".vml")) and low not in OPC_ROOT:
            data = _read_part(path, zf, name, whole=low in key)
            if low == target.casefold() and STRICT_NS in data:
                raise refusal(path, STRICT)
    try:  # the parts we will read or edit: known roots, complete relationships (part_check)
        check_parts(zf, lambda name, whole: _read_part(path, zf, name, whole=whole), parts, target)
    except PartProblem as problem:
        raise refusal(path, problem.reason) from None
    content_type = _content_type(types, target)
    if "spreadsheetml" not in content_type and "ms-excel" not in content_type:
        raise refusal(path, f"it is not an Excel workbook (main part is {content_type or '?'})")
    macro = "xl/vbaproject.bin" in parts or "macroenabled" in content_type
    return "xlsm" if macro or path.suffix.lower() in (".xlsm", ".xltm") else "xlsx"


def _office_document(rels: bytes, part: str) -> tuple[str, str]:
    """Return (target part name, relationship type) of the package's officeDocument relation."""
    for rel in xml(rels, part).iter(f"{REL_NS}Relationship", "Relationship"):
        if rel.get("Type", "").endswith(OFFICE_DOCUMENT):
            return rel.get("Target", "").lstrip("/"), rel.get("Type", "")
    return "", ""


def _content_type(types: bytes, part: str) -> str:
    """Content type of `part` from [Content_Types].xml (Override first, then Default)."""
    root = xml(types, "[Content_Types].xml")
    for node in root.iter(f"{CT_NS}Override"):
        if node.get("PartName", "").lstrip("/").casefold() == part.casefold():
            return str(node.get("ContentType", "")).lower()
    ext = part.rpartition(".")[2].casefold()
    for node in root.iter(f"{CT_NS}Default"):
        if node.get("Extension", "").casefold() == ext:
            return str(node.get("ContentType", "")).lower()
    return ""
