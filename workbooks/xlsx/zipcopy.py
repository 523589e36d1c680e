"""Rewrite a zip package, copying the members we do not change as raw bytes.

Copying raw keeps every untouched part byte-identical (compressed data included) and is fast:
a 1M-row sheet is not decompressed and recompressed. Only the parts we replace or add are
deflated anew.

Big parts (a 1M-row sheet we must mark) are inflated and deflated with ISA-L (the `isal`
package: same DEFLATE format, about 3x faster than zlib on both sides); zlib is the fallback
where no isal wheel exists.
"""

from __future__ import annotations

import copy
import os
import struct
import types
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

fast_zlib: types.ModuleType
try:
    from isal import isal_zlib as fast_zlib
except ImportError:  # pragma: no cover - platforms without an isal wheel
    fast_zlib = zlib


Splice = tuple[int, int, bytes]  # replace source[start:end] with the bytes


@dataclass(frozen=True)
class Inflated:
    """A big member inflated, and its CHUNK-byte runs deflated one by one (the last finished):
    each done, being done on a spare core (a Future), or not done (None)."""

    data: bytes
    deflated: tuple[bytes | Future[bytes] | None, ...] = ()

    def deflate_ahead(self, chunks: Iterable[int]) -> Inflated:
        """This part with `chunks` (CHUNK-byte runs by index) deflated on a spare core, one after
        the other, while the save is prepared; a run not started when the save needs it is left
        to the save (see `_ready`)."""
        count = max(1, -(-len(self.data) // CHUNK))
        view = memoryview(self.data)
        pool = ThreadPoolExecutor(max_workers=1)
        futures: dict[int, Future[bytes]] = {
            k: pool.submit(_deflate, [view[k * CHUNK:(k + 1) * CHUNK]], k == count - 1)
            for k in sorted(set(chunks)) if 0 <= k < count}
        pool.shutdown(wait=False)
        return Inflated(self.data, tuple(futures.get(k) for k in range(count)))


@dataclass(frozen=True)
class Spliced:
    """A part given as its stored bytes and a few splices: a big sheet with some cells marked is
    deflated straight from the original bytes (never copied whole into a new object), and its
    chunks that no splice touches reuse those of `ahead` (`inflate_ahead`), used only when it
    was made from these very bytes."""

    source: bytes
    splices: Sequence[Splice] = ()
    ahead: Inflated | None = None
    early: dict[int, Future[bytes]] = field(default_factory=dict, compare=False)  # deflate_early

    def deflate_early(self) -> None:
        """Start deflating this part's runs not deflated ahead on a spare core (one worker: the
        save goes on preparing the other parts meanwhile); the write takes what is done."""
        segments = _segments(self)
        last = len(segments) - 1
        pool = ThreadPoolExecutor(max_workers=1)
        for i, (pieces, ahead) in enumerate(segments):
            if ahead is None and i not in self.early:
                self.early[i] = pool.submit(_deflate, pieces, i == last)
        pool.shutdown(wait=False)

    def __len__(self) -> int:
        return len(self.source) + sum(len(text) - (end - start) for start, end, text in self.splices)

    def pieces(self) -> list[bytes | memoryview]:
        """The part as buffers to concatenate: views of the source between splices (slicing a
        view does not copy the 100+ MB around each edit), and the splices' bytes."""
        if not self.splices:
            return [self.source]
        return [piece for pieces, _ in _segments(self) for piece in pieces]

    def join(self) -> bytes:
        """The part as one bytes object."""
        return b"".join(self.pieces())


Part = bytes | Spliced


def inflate_ahead(path: Path, name: str, deflate: bool = True) -> Inflated:
    """Inflate a big member and (with `deflate`) deflate it again in chunks, ahead of a save that
    will mark a few cells in it: run on an idle core while the sheet is being read, it leaves the
    save only the chunks its splices touch to deflate (a 1M-row sheet: 2 of 27 chunks)."""
    with zipfile.ZipFile(path) as zf:
        data = read_member(zf, name)
    return deflate_ahead(data) if deflate else Inflated(data)


def deflate_ahead(data: bytes) -> Inflated:
    """A big member's inflated bytes deflated again in CHUNK runs (see `inflate_ahead`)."""
    view = memoryview(data)
    count = max(1, -(-len(data) // CHUNK))
    return Inflated(data, tuple(_deflate([view[k * CHUNK:(k + 1) * CHUNK]], k == count - 1)
                                for k in range(count)))


def rewrite_zip(source: Path, target: Path, replaced: dict[str, Part], removed: set[str]) -> None:
    """Write `target` as `source` with members replaced/added from `replaced` and members in
    `removed` left out. Order is kept; new members go at the end."""
    with zipfile.ZipFile(source) as zin, open(source, "rb") as raw, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        spans = _member_spans(zin)
        for info in zin.infolist():
            if info.filename in replaced:
                _write_new(zout, info.filename, replaced[info.filename], info)
            elif info.filename in removed:
                continue
            else:
                _copy_raw(zout, raw, info, spans[info.filename])
        for name, data in replaced.items():
            if name not in zin.NameToInfo:
                _write_new(zout, name, data, None)


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, as `zf.read(name)` gives them (CRC checked), but a big deflated member
    is inflated by ISA-L: a 425 MB sheet in ~0.6 s instead of ~1.8 s."""
    info = zf.getinfo(name)
    if info.compress_type != zipfile.ZIP_DEFLATED or info.file_size <= BIG_PART:
        return zf.read(name)
    with open(zf.filename, "rb") as raw:  # type: ignore[arg-type]
        raw.seek(info.header_offset)
        header = raw.read(30)
        if header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{name}: bad local header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        raw.seek(name_len + extra_len, os.SEEK_CUR)
        compressed = raw.read(info.compress_size)
    try:
        data: bytes = fast_zlib.decompress(compressed, -15, info.file_size or 1)
    except Exception as exc:  # isal and zlib raise their own error types
        raise zipfile.BadZipFile(f"{name}: {exc}") from None
    if len(data) != info.file_size or fast_zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
    return data


def _member_spans(zin: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
    """Each member's byte range: its local header to the next member (data descriptor incl.)."""
    infos = sorted(zin.infolist(), key=lambda i: i.header_offset)
    ends = [i.header_offset for i in infos[1:]] + [zin.start_dir]
    return {i.filename: (i.header_offset, end) for i, end in zip(infos, ends, strict=True)}


def _copy_raw(zout: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo, span: tuple[int, int]) -> None:
    start, end = span
    raw.seek(start)
    data = raw.read(end - start)
    clone = copy.copy(info)
    clone.header_offset = zout.fp.tell()  # type: ignore[union-attr]
    zout.fp.write(data)  # type: ignore[union-attr]
    zout.filelist.append(clone)
    zout.NameToInfo[clone.filename] = clone
    zout.start_dir = zout.fp.tell()  # type: ignore[union-attr]
    zout._didModify = True  # type: ignore[attr-defined]


BIG_PART = 8 * 1024 * 1024
CHUNK = 16 * 1024 * 1024
# Parts written above it are deflated by ISA-L (level 1) rather than zlib's default level: the
# Issues sheet and the notes' parts of 10,000 marks (a few MB each) in ~0.1 s less apiece.
FAST_PART = 1024 * 1024


def _write_new(zout: zipfile.ZipFile, name: str, data: Part, like: zipfile.ZipInfo | None) -> None:
    info = zipfile.ZipInfo(name, date_time=like.date_time if like else (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if like is not None:
        info.external_attr = like.external_attr
    if len(data) > FAST_PART:
        _write_big(zout, info, data if isinstance(data, Spliced) else Spliced(data))
    else:
        zout.writestr(info, data.join() if isinstance(data, Spliced) else data)


def _write_big(zout: zipfile.ZipFile, info: zipfile.ZipInfo, part: Spliced) -> None:
    """A big part (a sheet we rewrote to mark a few cells, or a new part of a few MB), deflated
    at level 1 (ISA-L) in chunks on all cores; chunks deflated ahead and untouched by the
    splices are reused as they are."""
    size = len(part)
    if size >= 0xFFFFFFFF:
        raise ValueError(f"{info.filename} is over 4 GiB")
    segments = _segments(part)
    last = len(segments) - 1
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        crc = pool.submit(_crc32, [p for pieces, _ in segments for p in pieces])
        parts = list(pool.map(lambda i: _ready(segments[i][1]) or _ready(part.early.get(i))
                              or _deflate(segments[i][0], i == last), range(len(segments))))
    compressed = b"".join(parts)
    info.CRC, info.file_size, info.compress_size = crc.result(), size, len(compressed)
    info.flag_bits &= ~0x08  # sizes are known: no data descriptor
    fp = zout.fp
    info.header_offset = fp.tell()  # type: ignore[union-attr]
    fp.write(info.FileHeader(zip64=False))  # type: ignore[union-attr]
    fp.write(compressed)  # type: ignore[union-attr]
    zout.filelist.append(info)
    zout.NameToInfo[info.filename] = info
    zout.start_dir = fp.tell()  # type: ignore[union-attr]
    zout._didModify = True  # type: ignore[attr-defined]


def _ready(ahead: bytes | Future[bytes] | None) -> bytes | None:
    """A chunk deflated ahead: done, or being done (waited for); one not started is cancelled
    (the save deflates it itself), as is one that failed."""
    if ahead is None or isinstance(ahead, bytes):
        return ahead
    if not ahead.done() and ahead.cancel():
        return None
    try:
        return ahead.result()
    except Exception:  # e.g. memory ran short on the spare core: deflated by the save
        return None


def _segments(part: Spliced) -> list[tuple[list[bytes | memoryview], bytes | Future[bytes] | None]]:
    """The part cut at the source's CHUNK boundaries, each run with the splices that start in it
    (a run grows to the end of a splice that crosses its boundary): (pieces, the chunk deflated
    ahead when the run is exactly that untouched chunk, else None)."""
    source, view = part.source, memoryview(part.source)
    todo = sorted(part.splices, key=lambda s: (s[0], s[1]))
    count = max(1, -(-len(source) // CHUNK))
    ahead = part.ahead if part.ahead is not None and part.ahead.data is source else None
    deflated = ahead.deflated if ahead is not None and len(ahead.deflated) == count else None
    segments: list[tuple[list[bytes | memoryview], bytes | Future[bytes] | None]] = []
    low, i = 0, 0
    for k in range(count):
        natural = len(source) if k == count - 1 else (k + 1) * CHUNK
        high = natural
        if high <= low and k < count - 1:
            continue  # swallowed by a splice that ran past it
        pieces: list[bytes | memoryview] = []
        cursor = low
        while i < len(todo) and (todo[i][0] < high or k == count - 1):
            start, end, text = todo[i]
            pieces += [view[cursor:start], text]
            cursor, high, i = end, max(high, end), i + 1
        pieces.append(view[cursor:high])
        untouched = len(pieces) == 1 and low == k * CHUNK and high == natural
        segments.append((pieces, deflated[k] if untouched and deflated else None))
        low = high
    return segments


def _crc32(buffers: Sequence[bytes | memoryview]) -> int:
    crc = 0
    for buffer in buffers:
        crc = fast_zlib.crc32(buffer, crc)
    return crc


def _deflate(chunk: Sequence[bytes | memoryview], final: bool) -> bytes:
    """One chunk as raw DEFLATE blocks; all but the last end with a sync flush (byte-aligned,
    not final), so the chunks concatenate into one valid stream."""
    packer = fast_zlib.compressobj(1, fast_zlib.DEFLATED, -15)
    out = [packer.compress(piece) for piece in chunk]
    out.append(packer.flush(fast_zlib.Z_FINISH if final else fast_zlib.Z_SYNC_FLUSH))
    return b"".join(out)
