"""A source-only VBA project (xl/vbaProject.bin) written per [MS-OVBA], without Office.

What goes in (section numbers are [MS-OVBA]'s):

- `PROJECT` (2.3.1): the project's text properties; `CMG`/`DPB`/`GC` obfuscated per 2.4.3
  ("not protected", "no password", "visible"); `[Host Extender Info]` and `[Workspace]` as Excel
  writes them.
- `PROJECTwm` (2.3.3): module names in MBCS and UTF-16.
- `VBA/_VBA_PROJECT` (2.3.4.1): the 7-byte form with version 0xFFFF and no performance cache
  (bytes CC 61 FF FF 00 01 00, as in xlwings' shipped add-ins). Office then compiles the project
  from its source.
- `VBA/dir` (2.3.4.2), compressed: project information, references (stdole and Office, as
  xlwings.xlam has them) and one record group per module, each with offset 0 (no p-code before
  the source) and cookies 0xFFFF as a writer must set them.
- one stream per module: its source (with the `Attribute` lines Excel keeps in stored source),
  CRLF line ends, in the project's code page, compressed (2.4.1).

Compression (2.4.1) is the CompressedContainer of 4096-byte chunks with CopyTokens whose split of
offset and length bits grows with the position in the chunk ("CopyToken Help", 2.4.1.3.19.1:
length mask 0xFFFF >> bit_count, maximum length (0xFFFF >> bit_count) + 3).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from addin.cfb import write_compound_file

CHUNK_SIZE = 4096
CODE_PAGE = 1252
ENCODING = "cp1252"
LCID_EN_US = 0x0409
SYS_KIND_WIN64 = 0x03
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
#: Reserved1 0x61CC, Version 0xFFFF ("MUST be 0xFFFF on write"), Reserved2 0x00, Reserved3
#: ("undefined, MUST be ignored") 0x0001 as in the specification's example (3.1.1) and in the
#: add-ins xlwings ships; no PerformanceCache ("MUST NOT be present on write").
VBA_PROJECT_SOURCE_ONLY = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001)
NOT_PROTECTED, NO_PASSWORD, VISIBLE = bytes(4), bytes(1), b"\xff"

#: The references xlwings' own add-in carries; Office makes IRibbonControl known to the compiler.
REFERENCES: tuple[tuple[str, str], ...] = (
    ("stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
               r"C:\Windows\System32\stdole2.tlb#OLE Automation"),
    ("Office", r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
               r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"
               r"#Microsoft Office 16.0 Object Library"),
)


class ModuleKind(Enum):
    """How a module is declared in PROJECT and typed in dir."""

    STANDARD = "Module"
    CLASS = "Class"
    DOCUMENT = "Document"

    @property
    def type_record(self) -> int:
        """MODULETYPE record id: 0x0021 procedural, 0x0022 document/class/designer."""
        return 0x0021 if self is ModuleKind.STANDARD else 0x0022


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, kind and stored source (CRLF, Attribute lines included)."""

    name: str
    kind: ModuleKind
    source: str
    docstring: str = ""


# --- compression ([MS-OVBA] 2.4.1) --------------------------------------------------------------


def copy_token_help(difference: int) -> tuple[int, int, int]:
    """(bit_count, length_mask, maximum_length) for a position `difference` bytes into a chunk."""
    bit_count = max((difference - 1).bit_length(), 4)
    length_mask = 0xFFFF >> bit_count
    return bit_count, length_mask, length_mask + 3


def compress(data: bytes) -> bytes:
    """A CompressedContainer holding `data`."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK_SIZE):
        out += _compress_chunk(data, start, min(start + CHUNK_SIZE, len(data)))
    return bytes(out)


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """One chunk: header and token sequences, or the raw bytes when compression does not pay.

    A raw chunk always holds 4096 bytes ([MS-OVBA] 2.4.1.3.10 pads a shorter one with zeros,
    which a reader cannot tell from data). So an incompressible last chunk of 3641-4095 bytes
    cannot be stored exactly: ValueError. Text never gets there: it always compresses.
    """
    body = bytearray()
    current = start
    while current < end:
        flag_index = len(body)
        body.append(0)
        for bit in range(8):
            if current >= end:
                break
            offset, length = _longest_match(data, start, current, end)
            if length >= 3:
                bit_count, _, _ = copy_token_help(current - start)
                body += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                body[flag_index] |= 1 << bit
                current += length
            else:
                body.append(data[current])
                current += 1
    if len(body) <= CHUNK_SIZE:
        return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    if end - start < CHUNK_SIZE:
        raise ValueError(f"the last {end - start} bytes do not compress, and a raw chunk would "
                         "pad them with zeros: this data cannot be stored exactly")
    return struct.pack("<H", 0x3000 | (CHUNK_SIZE + 2 - 3)) + data[start:end]


def _longest_match(data: bytes, chunk_start: int, current: int, end: int) -> tuple[int, int]:
    """(offset, length) of the longest earlier match in the chunk; length 0 when none of 3+."""
    _, _, maximum = copy_token_help(current - chunk_start)
    limit = min(maximum, end - current)
    if limit < 3:
        return 0, 0
    found = data.rfind(data[current:current + 3], chunk_start, current + 2)
    if found < 0:
        return 0, 0
    best, length = found, _match_length(data, found, current, limit)
    while length < limit:
        longer = data.rfind(data[current:current + length + 1], chunk_start, current + length)
        if longer < 0:
            break
        best, length = longer, _match_length(data, longer, current, limit)
    return current - best, length


def _match_length(data: bytes, candidate: int, current: int, limit: int) -> int:
    """How many bytes from `candidate` repeat at `current` (the copy may overlap), up to limit."""
    length = 0
    while length < limit and data[candidate + length] == data[current + length]:
        length += 1
    return length


def decompress(container: bytes) -> bytes:
    """The data of a CompressedContainer ([MS-OVBA] 2.4.1.3.1)."""
    if not container or container[0] != 0x01:
        raise ValueError("not a CompressedContainer (signature byte 0x01 missing)")
    out = bytearray()
    position = 1
    while position < len(container):
        header = struct.unpack_from("<H", container, position)[0]
        if (header >> 12) & 0x7 != 0b011:
            raise ValueError(f"bad chunk signature at byte {position}")
        chunk_end = min(position + (header & 0x0FFF) + 3, len(container))
        position += 2
        if header & 0x8000:
            _decompress_tokens(container, position, chunk_end, out)
        elif chunk_end - position == CHUNK_SIZE:
            out += container[position:chunk_end]
        else:
            raise ValueError(f"raw chunk at byte {position - 2} does not hold 4096 bytes")
        position = chunk_end
    return bytes(out)


def _decompress_tokens(container: bytes, position: int, chunk_end: int, out: bytearray) -> None:
    """Decode one compressed chunk's token sequences into `out`."""
    chunk_start = len(out)
    while position < chunk_end:
        flags = container[position]
        position += 1
        for bit in range(8):
            if position >= chunk_end:
                break
            if not flags & (1 << bit):
                out.append(container[position])
                position += 1
                continue
            token = struct.unpack_from("<H", container, position)[0]
            position += 2
            bit_count, length_mask, _ = copy_token_help(len(out) - chunk_start)
            length = (token & length_mask) + 3
            offset = (token >> (16 - bit_count)) + 1
            if offset > len(out) - chunk_start:
                raise ValueError("CopyToken points before the start of its chunk")
            for _ in range(length):
                out.append(out[-offset])


# --- obfuscation of CMG/DPB/GC ([MS-OVBA] 2.4.3) ----------------------------------------------


def project_key(project_id: str) -> int:
    """ProjKey: the byte sum of the project's CLSID string, braces included."""
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt(project_id: str, data: bytes, seed: int = 0x54) -> str:
    """Data Encryption (2.4.3.2) of `data`, as the hex digits written in PROJECT.

    The seed and the "ignored" bytes are free choices of a writer; fixed ones keep the output
    reproducible. The default seed is one Excel itself used in xlwings' add-in (two ignored
    bytes, written as zeros here).
    """
    key = project_key(project_id)
    version_enc, key_enc = seed ^ 2, seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    unencrypted_1, encrypted_1, encrypted_2 = key, key_enc, version_enc
    ignored = bytes((seed & 6) // 2)
    for byte in ignored + struct.pack("<I", len(data)) + data:
        byte_enc = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(byte_enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    return out.hex().upper()


def decrypt(hex_text: str) -> bytes:
    """Data Decryption (2.4.3.3): the data hidden in a CMG/DPB/GC value."""
    enc = bytes.fromhex(hex_text)
    seed, version_enc, key_enc = enc[0], enc[1], enc[2]
    if seed ^ version_enc != 2:
        raise ValueError("unknown encryption version")
    unencrypted_1, encrypted_1, encrypted_2 = seed ^ key_enc, key_enc, version_enc
    plain = bytearray()
    for byte_enc in enc[3:]:
        byte = byte_enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", plain, ignored)[0]
    return bytes(plain[ignored + 4: ignored + 4 + length])


# --- the streams ----------------------------------------------------------------------------------


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_records(record_id: int, unicode_id: int, text: str) -> bytes:
    """A record pair: MBCS text, then its UTF-16 twin (whose header id is the 'reserved' field)."""
    return _record(record_id, text.encode(ENCODING)) + _record(unicode_id, text.encode("utf-16-le"))


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


def _u16(value: int) -> bytes:
    return struct.pack("<H", value)


def dir_stream(project_name: str, modules: Sequence[Module]) -> bytes:
    """The uncompressed dir stream (2.3.4.2)."""
    parts = [
        _record(0x0001, _u32(SYS_KIND_WIN64)),
        _record(0x0002, _u32(LCID_EN_US)),
        _record(0x0014, _u32(LCID_EN_US)),
        _record(0x0003, _u16(CODE_PAGE)),
        _record(0x0004, project_name.encode(ENCODING)),
        _text_records(0x0005, 0x0040, ""),  # PROJECTDOCSTRING
        _text_records(0x0006, 0x003D, ""),  # PROJECTHELPFILEPATH (both paths empty)
        _record(0x0007, _u32(0)),  # PROJECTHELPCONTEXT
        _record(0x0008, _u32(0)),  # PROJECTLIBFLAGS
        struct.pack("<HIIH", 0x0009, 4, 1, 0),  # PROJECTVERSION: Reserved=4, major 1, minor 0
        _text_records(0x000C, 0x003C, ""),  # PROJECTCONSTANTS
    ]
    for name, libid in REFERENCES:
        parts.append(_text_records(0x0016, 0x003E, name))
        libid_bytes = libid.encode(ENCODING)
        parts.append(_record(0x000D, _u32(len(libid_bytes)) + libid_bytes + _u32(0) + _u16(0)))
    parts.append(_record(0x000F, _u16(len(modules))))
    parts.append(_record(0x0013, _u16(0xFFFF)))  # PROJECTCOOKIE
    parts.extend(_module_records(module) for module in modules)
    parts.append(_record(0x0010, b""))  # Terminator
    return b"".join(parts)


def _module_records(module: Module) -> bytes:
    return b"".join([
        _record(0x0019, module.name.encode(ENCODING)),
        _record(0x0047, module.name.encode("utf-16-le")),
        _text_records(0x001A, 0x0032, module.name),  # stream name = module name
        _text_records(0x001C, 0x0048, module.docstring),
        _record(0x0031, _u32(0)),  # MODULEOFFSET: the stream is all source
        _record(0x001E, _u32(0)),  # MODULEHELPCONTEXT
        _record(0x002C, _u16(0xFFFF)),  # MODULECOOKIE
        _record(module.kind.type_record, b""),
        _record(0x002B, b""),  # Terminator
    ])


def project_stream(project_id: str, project_name: str, modules: Sequence[Module]) -> bytes:
    """The PROJECT stream (2.3.1), CRLF lines in the code page."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        suffix = "/&H00000000" if module.kind is ModuleKind.DOCUMENT else ""
        lines.append(f"{module.kind.value}={module.name}{suffix}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(project_id, NOT_PROTECTED)}"',
        f'DPB="{encrypt(project_id, NO_PASSWORD)}"',
        f'GC="{encrypt(project_id, VISIBLE)}"',
        "",
        "[Host Extender Info]",
        HOST_EXTENDER,
        "",
        "[Workspace]",
        *(f"{module.name}=0, 0, 0, 0, C" for module in modules),
    ]
    return "".join(line + "\r\n" for line in lines).encode(ENCODING)


def projectwm_stream(modules: Sequence[Module]) -> bytes:
    """The PROJECTwm stream (2.3.3): each name in MBCS then UTF-16, both null-terminated."""
    names = b"".join(m.name.encode(ENCODING) + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
                     for m in modules)
    return names + b"\0\0"


def _check(project_name: str, modules: Sequence[Module]) -> None:
    names = [m.name.upper() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError("two modules share a name")
    if project_name.upper() in names:
        raise ValueError("the project may not be named like one of its modules")
    for module in modules:
        if not module.source.startswith(f'Attribute VB_Name = "{module.name}"\r\n'):
            raise ValueError(f"module {module.name}: its source must start with its VB_Name line")
        if "\n" in module.source.replace("\r\n", ""):
            raise ValueError(f"module {module.name}: line ends must be CRLF")


def vba_project_streams(project_id: str, project_name: str,
                        modules: Sequence[Module]) -> dict[str, bytes]:
    """Every stream of the project, by compound-file path."""
    _check(project_name, modules)
    streams = {
        "PROJECT": project_stream(project_id, project_name, modules),
        "PROJECTwm": projectwm_stream(modules),
        "VBA/_VBA_PROJECT": VBA_PROJECT_SOURCE_ONLY,
        "VBA/dir": compress(dir_stream(project_name, modules)),
    }
    for module in modules:
        streams[f"VBA/{module.name}"] = compress(module.source.encode(ENCODING))
    return streams


def build_vba_project(project_id: str, project_name: str, modules: Sequence[Module]) -> bytes:
    """The bytes of vbaProject.bin: `modules` in an OLE compound file."""
    return write_compound_file(vba_project_streams(project_id, project_name, modules))
