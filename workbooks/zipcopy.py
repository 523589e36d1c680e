"""Rewrite a zip package, copying the members we do not change as raw bytes.

Copying raw keeps every untouched part byte-identical (compressed data included) and is fast:
a 1M-row sheet is not decompressed and recompressed. Only the parts we replace or add are
deflated anew.
"""

from __future__ import annotations

import copy
import os
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def rewrite_zip(source: Path, target: Path, replaced: dict[str, bytes], removed: set[str]) -> None:
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


def _member_spans(zin: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
    """Each member's byte range: its local header to the next member (data descriptor incl.)."""
    infos = sorted(zin.infolist(), key=lambda i: i.header_offset)
    ends = [i.header_offset for i in infos[1:]] + [zin.start_dir]  # type: ignore[attr-defined]
    return {i.filename: (i.header_offset, end) for i, end in zip(infos, ends, strict=True)}


def _copy_raw(zout: zipfile.ZipFile, raw, info: zipfile.ZipInfo, span: tuple[int, int]) -> None:
    start, end = span
    raw.seek(start)
    data = raw.read(end - start)
    clone = copy.copy(info)
    clone.header_offset = zout.fp.tell()  # type: ignore[union-attr]
    zout.fp.write(data)  # type: ignore[union-attr]
    zout.filelist.append(clone)
    zout.NameToInfo[clone.filename] = clone
    zout.start_dir = zout.fp.tell()  # type: ignore[attr-defined,union-attr]
    zout._didModify = True  # type: ignore[attr-defined]


BIG_PART = 8 * 1024 * 1024
_CHUNK = 16 * 1024 * 1024


def _write_new(zout: zipfile.ZipFile, name: str, data: bytes, like: zipfile.ZipInfo | None) -> None:
    info = zipfile.ZipInfo(name, date_time=like.date_time if like else (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if like is not None:
        info.external_attr = like.external_attr
    if len(data) > BIG_PART:
        _write_big(zout, info, data)
    else:
        zout.writestr(info, data)


def _write_big(zout: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    """A big part (a sheet we rewrote to mark a few cells), deflated at level 1 in chunks on all
    cores: each chunk ends with a sync flush, so the chunks concatenate into one valid stream."""
    if len(data) >= 0xFFFFFFFF:
        raise ValueError(f"{info.filename} is over 4 GiB")
    view = memoryview(data)
    chunks = [view[i : i + _CHUNK] for i in range(0, len(data), _CHUNK)]
    last = len(chunks) - 1
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        crc = pool.submit(zlib.crc32, data)
        parts = list(pool.map(lambda i: _deflate(chunks[i], i == last), range(len(chunks))))
    compressed = b"".join(parts)
    info.CRC, info.file_size, info.compress_size = crc.result(), len(data), len(compressed)
    info.flag_bits &= ~0x08  # sizes are known: no data descriptor
    fp = zout.fp
    info.header_offset = fp.tell()  # type: ignore[union-attr]
    fp.write(info.FileHeader(zip64=False))  # type: ignore[union-attr]
    fp.write(compressed)  # type: ignore[union-attr]
    zout.filelist.append(info)
    zout.NameToInfo[info.filename] = info
    zout.start_dir = fp.tell()  # type: ignore[attr-defined,union-attr]
    zout._didModify = True  # type: ignore[attr-defined]


def _deflate(chunk: memoryview, final: bool) -> bytes:
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    return packer.compress(chunk) + packer.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)
