"""A minimal, reproducible writer of OLE compound files ([MS-CFB], version 3).

Enough for a VBA project (xl/vbaProject.bin): storages and streams given by path, 512-byte
sectors, one FAT (no DIFAT sectors, so files up to ~7 MB), a mini stream with its MiniFAT for
streams under 4096 bytes, and each storage's children in a balanced red-black tree.

Reproducible by construction: every CLSID, state bit and timestamp is zero, directory entries are
numbered in a fixed order (root, then each storage's children in [MS-CFB] name order, depth
first), and sectors are laid out in a fixed order (FAT, directory, MiniFAT, mini stream, then the
large streams in directory order). Same streams in, same bytes out.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
ENTRY_SIZE = 128
ENTRIES_PER_SECTOR = SECTOR_SIZE // ENTRY_SIZE
IDS_PER_SECTOR = SECTOR_SIZE // 4
HEADER_DIFAT_SLOTS = 109

FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1
_FORBIDDEN_IN_NAMES = set("/\\:!")


@dataclass
class _Entry:
    """One directory entry while the file is being laid out."""

    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    sid: int = -1
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def sort_key(name: str) -> tuple[int, str]:
    """[MS-CFB] 2.6.4 order: shorter names first, then by upper-cased UTF-16 code units."""
    return (len(name.encode("utf-16-le")), name.upper())


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """The bytes of a compound file holding `streams`, keyed by "/"-separated paths.

    Storages are created for every folder of a path (e.g. "VBA/dir" makes the storage "VBA").
    """
    root = _tree(streams)
    entries = _number(root)
    for entry in entries:
        if entry.kind != STREAM:
            _link_children(entry)
    return _Layout(entries).render()


def _check_name(name: str) -> None:
    if not name or len(name) > 31 or _FORBIDDEN_IN_NAMES & set(name):
        raise ValueError(f"invalid compound-file name {name!r} (1-31 characters, none of /\\:!)")


def _tree(streams: Mapping[str, bytes]) -> _Entry:
    """Root entry with its storages and streams (children keyed by upper-cased name: [MS-CFB]
    names are case-insensitive)."""
    root = _Entry("Root Entry", ROOT)
    for path in sorted(streams):
        *folders, leaf = path.split("/")
        parent = root
        for folder in folders:
            _check_name(folder)
            node = parent.children.setdefault(folder.upper(), _Entry(folder, STORAGE))
            if node.kind != STORAGE or node.name != folder:
                raise ValueError(f"{path}: {folder!r} is a stream, or differs only in case")
            parent = node
        _check_name(leaf)
        if leaf.upper() in parent.children:
            raise ValueError(f"{path}: given twice (names ignore case), or is also a storage")
        parent.children[leaf.upper()] = _Entry(leaf, STREAM, data=bytes(streams[path]))
    return root


def _number(root: _Entry) -> list[_Entry]:
    """Every entry, depth first, children in name order; each gets its directory id."""
    ordered: list[_Entry] = []

    def visit(entry: _Entry) -> None:
        entry.sid = len(ordered)
        ordered.append(entry)
        for child in sorted(entry.children.values(), key=lambda e: sort_key(e.name)):
            visit(child)

    visit(root)
    return ordered


def _link_children(storage: _Entry) -> None:
    """Arrange a storage's children as a balanced binary search tree, coloured red-black.

    Built by splitting the sorted list at its middle, every leaf lies at depth D or D-1. Nodes
    at depth D are red when the tree is not perfect, all others black: every path from the root
    to a leaf then has the same number of black nodes and no red node has a red child.
    """
    children = sorted(storage.children.values(), key=lambda e: sort_key(e.name))
    depths: dict[int, int] = {}

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = children[mid]
        depths[node.sid] = depth
        node.left = build(lo, mid, depth + 1)
        node.right = build(mid + 1, hi, depth + 1)
        return node.sid

    storage.child = build(0, len(children), 0)
    if not children:
        return
    deepest = max(depths.values())
    perfect = len(children) == 2 ** (deepest + 1) - 1
    for node in children:
        node.color = RED if (not perfect and depths[node.sid] == deepest) else BLACK


def _sectors(size: int, unit: int) -> int:
    return -(-size // unit)


class _Layout:
    """Sector allocation and serialisation of a numbered directory."""

    def __init__(self, entries: list[_Entry]) -> None:
        self.entries = entries
        self.root = entries[0]
        self.streams = [e for e in entries if e.kind == STREAM]
        self.small = [e for e in self.streams if len(e.data) < MINI_STREAM_CUTOFF]
        self.large = [e for e in self.streams if len(e.data) >= MINI_STREAM_CUTOFF]
        self.mini_stream, self.minifat = self._mini()
        self.fat: list[int] = []
        self.body: list[bytes] = []

    def _mini(self) -> tuple[bytes, list[int]]:
        """Place the small streams in the mini stream; return it and its MiniFAT."""
        stream = bytearray()
        minifat: list[int] = []
        for entry in self.small:
            entry.size = len(entry.data)
            count = _sectors(entry.size, MINI_SECTOR_SIZE)
            if count == 0:
                entry.start = ENDOFCHAIN
                continue
            entry.start = len(minifat)
            minifat.extend(range(entry.start + 1, entry.start + count))
            minifat.append(ENDOFCHAIN)
            stream += entry.data.ljust(count * MINI_SECTOR_SIZE, b"\0")
        return bytes(stream), minifat

    def render(self) -> bytes:
        """The whole file."""
        dir_count = _sectors(len(self.entries), ENTRIES_PER_SECTOR)
        minifat_count = _sectors(len(self.minifat), IDS_PER_SECTOR)
        other = (dir_count + minifat_count + _sectors(len(self.mini_stream), SECTOR_SIZE)
                 + sum(_sectors(len(e.data), SECTOR_SIZE) for e in self.large))
        fat_count = 1
        while fat_count * IDS_PER_SECTOR < fat_count + other:
            fat_count += 1
        if fat_count > HEADER_DIFAT_SLOTS:
            raise ValueError("compound file too large for a FAT without DIFAT sectors")
        self.fat = [FATSECT] * fat_count
        first_dir = self._place(b"\0" * (dir_count * SECTOR_SIZE))  # directory written last
        minifat_bytes = struct.pack(f"<{len(self.minifat)}I", *self.minifat)
        first_minifat = self._place(minifat_bytes.ljust(minifat_count * SECTOR_SIZE, b"\xff"))
        self.root.start = self._place(self.mini_stream)
        self.root.size = len(self.mini_stream)
        for entry in self.large:
            entry.size = len(entry.data)
            entry.start = self._place(entry.data)
        self.body[0] = self._directory(dir_count)
        fat = self.fat + [FREESECT] * (fat_count * IDS_PER_SECTOR - len(self.fat))
        header = self._header(fat_count, first_dir, first_minifat, minifat_count)
        return header + struct.pack(f"<{len(fat)}I", *fat) + b"".join(self.body)

    def _place(self, data: bytes) -> int:
        """Append `data` in whole sectors chained in the FAT; its first sector (or ENDOFCHAIN)."""
        count = _sectors(len(data), SECTOR_SIZE)
        if count == 0:
            return ENDOFCHAIN
        first = len(self.fat)
        self.fat.extend(range(first + 1, first + count))
        self.fat.append(ENDOFCHAIN)
        self.body.append(data.ljust(count * SECTOR_SIZE, b"\0"))
        return first

    def _directory(self, dir_count: int) -> bytes:
        packed = b"".join(_pack_entry(e) for e in self.entries)
        free = _pack_entry(None)
        return packed + free * (dir_count * ENTRIES_PER_SECTOR - len(self.entries))

    def _header(self, fat_count: int, first_dir: int, first_minifat: int, minifat_count: int) -> bytes:
        difat = list(range(fat_count)) + [FREESECT] * (HEADER_DIFAT_SLOTS - fat_count)
        return struct.pack(
            "<8s16sHHHHH6sIIIIIIIII109I",
            SIGNATURE, b"\0" * 16, 0x003E, 0x0003, 0xFFFE, 9, 6, b"\0" * 6,
            0,  # number of directory sectors: MUST be 0 for version 3
            fat_count, first_dir, 0, MINI_STREAM_CUTOFF,
            first_minifat if minifat_count else ENDOFCHAIN, minifat_count,
            ENDOFCHAIN, 0,  # no DIFAT sectors
            *difat)


def _pack_entry(entry: _Entry | None) -> bytes:
    """One 128-byte directory entry; None gives an unused (free) entry."""
    if entry is None:
        return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM,
                           b"\0" * 16, 0, 0, 0, 0, 0)
    name = entry.name.encode("utf-16-le") + b"\0\0"
    return struct.pack("<64sHBBIII16sIQQIQ", name, len(name), entry.kind, entry.color,
                       entry.left, entry.right, entry.child, b"\0" * 16, 0, 0, 0,
                       entry.start, entry.size)
