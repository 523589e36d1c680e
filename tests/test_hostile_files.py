"""inspect_file against hostile files built for real: each gets its own one-line message.

Every case also checks that the file is left byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import UnreadableWorkbook
from workbooks.xlsx.screening import inspect_file

try:
    from tests import hostile
except ImportError:  # tests/ itself on sys.path (pytest rootdir-less run)
    import hostile  # type: ignore[no-redef]

from shared import CORPUS

Builder = Callable[[Path], Path]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _refused(path: Path, *words: str, **limits: int) -> str:
    """Assert inspect_file refuses `path` with a one-line message naming it and the reason."""
    before = _sha(path)
    with pytest.raises(UnreadableWorkbook) as caught:
        inspect_file(path, **limits)
    message = str(caught.value)
    assert caught.value.message == message
    assert "\n" not in message and "\r" not in message, message
    assert path.name in message, message
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"
    assert _sha(path) == before, "inspect_file modified the file"
    return message


REFUSED: dict[str, tuple[Builder, tuple[str, ...]]] = {
    "xls": (hostile.make_xls, ("legacy .xls", "save it as .xlsx")),
    "encrypted-fake": (hostile.make_encrypted_fake, ("password-protected", "without a password")),
    "xlsb": (hostile.make_xlsb, (".xlsb", "not supported", "save it as .xlsx")),
    "csv-renamed": (
        lambda d: hostile.make_bytes(d, "orders.xlsx", hostile.csv_bytes()),
        ("CSV/text file renamed to .xlsx", "save it as .xlsx"),
    ),
    "csv": (
        lambda d: hostile.make_bytes(d, "orders.csv", hostile.csv_bytes()),
        ("CSV/text file", "save it as .xlsx"),
    ),
    "utf16-text": (
        lambda d: hostile.make_bytes(d, "unicode.xlsx", "a\tb\r\n1\t2\r\n".encode("utf-16")),
        ("CSV/text file",),
    ),
    "html-renamed": (
        lambda d: hostile.make_bytes(d, "export.xls", hostile.html_bytes()),
        ("HTML file renamed to .xls", "save it as .xlsx"),
    ),
    "excel-2003-xml": (
        lambda d: hostile.make_bytes(
            d,
            "old.xlsx",
            b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
        ),
        ("Excel 2003 XML",),
    ),
    "random": (
        lambda d: hostile.make_bytes(d, "noise.xlsx", hostile.random_bytes()),
        ("not an Excel workbook", "unrecognised"),
    ),
    "empty": (lambda d: hostile.make_bytes(d, "empty.xlsx", b""), ("empty", "0 bytes")),
    "truncated": (hostile.make_truncated, ("damaged", "truncated or corrupt zip")),
    "corrupt-member": (hostile.make_corrupt_member, ("damaged", "corrupt")),
    "billion-laughs": (hostile.make_billion_laughs, ("xl/workbook.xml", "DTD", "entity")),
    "docx": (hostile.make_docx, ("not an Excel workbook", "Word document")),
    "plain-zip": (hostile.make_plain_zip, ("zip archive", "not an Excel workbook")),
    "strict": (hostile.make_strict, ("Strict Open XML", "default Excel Workbook format")),
    "dotdot": (
        lambda d: hostile.make_with_member(d, "evil.xlsx", "../evil"),
        ("unsafe member path", "../evil"),
    ),
    "absolute": (
        lambda d: hostile.make_with_member(d, "abs.xlsx", "/etc/evil"),
        ("unsafe member path",),
    ),
    "folder": (lambda d: _mkdir(d / "folder.xlsx"), ("folder",)),
    "missing": (lambda d: d / "nowhere.xlsx", ("does not exist",)),
}


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_hostile_file_is_refused(case: str, tmp_path: Path) -> None:
    builder, words = REFUSED[case]
    _refused(builder(tmp_path), *words)


def test_really_encrypted_workbook(tmp_path: Path) -> None:
    pytest.importorskip("msoffcrypto")
    _refused(hostile.make_encrypted_real(tmp_path), "password-protected (encrypted)")


def test_zip_bomb_200_mb_of_zeros(tmp_path: Path) -> None:
    path = hostile.make_zip_bomb(tmp_path, megabytes=200)
    assert path.stat().st_size < 2 * 1024**2
    started = time.perf_counter()
    _refused(path, "xl/media/zeros.bin", "expands to 200 MB", "zip bomb", "refusing")
    assert time.perf_counter() - started < 0.5


def test_total_uncompressed_limit(tmp_path: Path) -> None:
    path = hostile.make_xlsx(tmp_path, "big.xlsx")
    _refused(path, "expands to", "refusing", max_total_uncompressed=1000)


def test_ratio_limit_is_a_parameter(tmp_path: Path) -> None:
    path = hostile.make_zip_bomb(tmp_path, megabytes=12)
    _refused(path, "zip bomb", max_ratio=50)
    assert inspect_file(path, max_ratio=10**6) == "xlsx"


def test_duplicated_member(tmp_path: Path) -> None:
    base = hostile.make_xlsx(tmp_path, "_base.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns "Duplicate name"
        with zipfile.ZipFile(base) as zf:
            extra = (("xl/workbook.xml", zf.read("xl/workbook.xml")),)
        path = hostile.rewrite(base, tmp_path / "twice.xlsx", extra=extra)
    _refused(path, "xl/workbook.xml", "twice")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = hostile.make_xlsx(tmp_path, "locked.xlsx")
    if os.name == "posix" and os.geteuid() != 0:
        path.chmod(0)
        try:
            _refused(path, "permission denied")
        finally:
            path.chmod(0o644)
        return
    # root (as in CI) reads anything: fail the read the way a file without rights does
    real_open = Path.open

    def denied(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    before = _sha(path)
    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(UnreadableWorkbook) as caught:
        inspect_file(path)
    monkeypatch.undo()
    assert "permission denied" in caught.value.message and path.name in caught.value.message
    assert _sha(path) == before


def _accepted(path: Path, kind: str) -> None:
    before = _sha(path)
    assert inspect_file(path) == kind
    assert _sha(path) == before


def test_valid_xlsx_passes(tmp_path: Path) -> None:
    _accepted(hostile.make_xlsx(tmp_path), "xlsx")


def test_valid_xlsm_passes(tmp_path: Path) -> None:
    _accepted(hostile.make_xlsm(tmp_path), "xlsm")


def test_xlsm_named_xlsx_is_reported_as_xlsm(tmp_path: Path) -> None:
    _accepted(hostile.make_xlsm(tmp_path, "really_macro.xlsx"), "xlsm")


def test_str_path_is_accepted(tmp_path: Path) -> None:
    assert inspect_file(str(hostile.make_xlsx(tmp_path))) == "xlsx"  # type: ignore[arg-type]


def test_every_excel_made_file_passes() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} not available")
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    assert files
    failures = {}
    for path in files:
        try:
            kind = inspect_file(path)
        except UnreadableWorkbook as exc:
            failures[path.name] = exc.message
        else:
            expected = "xlsm" if path.suffix.lower() in (".xlsm", ".xltm") else ("xlsx", "xlsm")
            assert kind in expected, (path.name, kind)
    assert not failures, failures


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a valid workbook, to be mangled."""
    return hostile.make_xlsx(tmp_path_factory.mktemp("seed")).read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mangled_workbook_never_escapes(
    data: st.DataObject, seed: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Truncated or byte-flipped workbooks give a kind or UnreadableWorkbook, nothing else."""
    folder = tmp_path_factory.mktemp("fuzz", numbered=True)
    raw = bytearray(seed)
    cut = data.draw(st.integers(min_value=1, max_value=len(raw)))
    flips = data.draw(st.lists(st.integers(min_value=0, max_value=cut - 1), max_size=8))
    for index in flips:
        raw[index] ^= 0x5A
    path = hostile.make_bytes(folder, "mangled.xlsx", bytes(raw[:cut]))
    try:
        assert inspect_file(path) in ("xlsx", "xlsm")
    except UnreadableWorkbook as exc:
        assert "\n" not in exc.message and "mangled.xlsx" in exc.message
