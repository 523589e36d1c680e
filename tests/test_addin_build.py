"""The Excel add-in built from text sources (addin/build.py), checked without Excel.

- Compression ([MS-OVBA] 2.4.1): decompress(compress(x)) == x for random and repetitive bytes and
  for the real module sources; oletools' independent decompressor agrees; long runs use long
  CopyTokens (the ms-ovba 0.0.1 trap). The one refusal: an incompressible last chunk of
  3641-4095 bytes, which no CompressedContainer holds exactly (text never gets there).
- The compound file: olefile reads every stream back; each storage's tree is a valid red-black
  binary search tree in [MS-CFB] name order.
- The VBA project has the structure Excel wrote in xlwings' shipped add-in (same dir records in
  the same order, same _VBA_PROJECT bytes, same document/class module sources), and its
  CMG/DPB/GC decrypt to "not protected", "no password", "visible".
- Two independent readers of the built add-in:
  * oletools' olevba returns every module's source *identical* to ours: the same text, character
    for character, after decoding with the project's code page; that is the stored source,
    Attribute header lines and CRLF line ends included, which is what olevba returns unchanged.
  * LibreOffice headless (--infilter="Calc MS Excel 2007 VBA XML", saved as .ods) has a Basic
    library named like our project with exactly our modules, each of the right kind. Its code
    is ours *as LibreOffice shows VBA*: every `Attribute ...` line dropped (the VBA editor hides
    them too), LF line ends, and LibreOffice's own lines added in front ("Rem Attribute
    VBA_ModuleType=...", "Option VBASupport 1", "Option ClassModule" for a class) and one extra
    line end at the close. The test removes exactly those and compares the rest for equality.
- Building twice gives byte-identical files.
- Every ribbon onAction names a public `Sub X(control As IRibbonControl)` in our VBA; every tag is
  a key of addin.ribbon.DISPATCH and every key has a button.
- The package is a valid workbook for openpyxl with the settings sheet. openpyxl refuses the .xlam
  content type itself (it knows only xlsx/xlsm/xltx/xltm), so it reads a copy whose workbook
  content type, and nothing else, is the .xlsm one.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import struct
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import olefile
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin import build
from addin.cfb import BLACK, NOSTREAM, RED, sort_key, write_compound_file
from addin.ribbon import DISPATCH
from addin.vba_project import (
    ModuleKind,
    compress,
    copy_token_help,
    decompress,
    decrypt,
    encrypt,
    project_key,
)

try:
    from tests import libreoffice
except ImportError:  # tests/ itself on sys.path
    import libreoffice  # type: ignore[no-redef]

with warnings.catch_warnings():  # olevba 0.60 uses pyparsing names deprecated since 3.0
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser, decompress_stream

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
XLAM_MAIN = b"application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
LO_KINDS = {ModuleKind.DOCUMENT: "document", ModuleKind.CLASS: "class", ModuleKind.STANDARD: "normal"}
SCRIPT_NS = "{http://openoffice.org/2000/script}"
LIBRARY_NS = "{http://openoffice.org/2000/library}"


@pytest.fixture(scope="module")
def modules() -> list[build.Module]:
    return build.addin_modules()


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build_addin(tmp_path_factory.mktemp("addin"))


def vba_bin(xlam: Path) -> bytes:
    with zipfile.ZipFile(xlam) as package:
        return package.read("xl/vbaProject.bin")


# --- 1. compression ------------------------------------------------------------------------------

repetitive = st.lists(
    st.tuples(st.binary(min_size=1, max_size=12), st.integers(min_value=1, max_value=400)),
    max_size=40).map(lambda runs: b"".join(piece * count for piece, count in runs))


def _round_trip(data: bytes) -> None:
    """decompress(compress(data)) == data, by our decompressor and by oletools' (independent).

    The one refusal allowed: an incompressible last chunk of 3641-4095 bytes, which no
    CompressedContainer can hold exactly (a raw chunk is always 4096 bytes).
    """
    try:
        packed = compress(data)
    except ValueError:
        assert len(data) % 4096 > 3640  # literal-only: n + ceil(n / 8) > 4096 bytes
        return
    assert decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data


@SETTINGS
@given(st.binary(max_size=12_000))
def test_compression_round_trips_random_bytes(data: bytes) -> None:
    _round_trip(data)


@SETTINGS
@given(st.integers(min_value=0, max_value=3 * 4096 + 100), st.integers(min_value=0))
def test_compression_round_trips_long_random_bytes(size: int, seed: int) -> None:
    _round_trip(random.Random(seed).randbytes(size))


@SETTINGS
@given(repetitive)
def test_compression_round_trips_repetitive_bytes(data: bytes) -> None:
    _round_trip(data)


def test_compression_round_trips_the_module_sources(modules: list[build.Module]) -> None:
    for module in modules:
        raw = module.source.encode("cp1252")
        packed = compress(raw)
        assert decompress(packed) == raw, module.name
        assert bytes(decompress_stream(bytearray(packed))) == raw, module.name
        assert all(flag for flag, _ in _chunks(packed)), f"{module.name}: a chunk stored raw"
    assert max(len(m.source) for m in modules) > 40_000  # the xlwings module: ~11 chunks


def _chunks(container: bytes) -> list[tuple[bool, int]]:
    """(compressed?, size) of each chunk of a CompressedContainer."""
    chunks, position = [], 1
    while position < len(container):
        header = struct.unpack_from("<H", container, position)[0]
        chunks.append((bool(header & 0x8000), (header & 0x0FFF) + 3))
        position += (header & 0x0FFF) + 3
    return chunks


@pytest.mark.parametrize("size", [1, 3, 3640, 4096, 4097, 8192 + 3000, 3 * 4096])
def test_compression_of_incompressible_chunks(size: int) -> None:
    """Random bytes: full chunks go raw (4096 bytes, size field 4095), as [MS-OVBA] says."""
    data = random.Random(size).randbytes(size)
    packed = compress(data)
    assert decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert [s for flag, s in _chunks(packed) if not flag] == [4098] * (size // 4096)


@pytest.mark.parametrize("size", [3641, 3700, 4095, 8192 + 3700])
def test_compression_refuses_what_it_cannot_store_exactly(size: int) -> None:
    with pytest.raises(ValueError, match="cannot be stored exactly"):
        compress(random.Random(size).randbytes(size))


def test_long_runs_use_maximum_copy_tokens() -> None:
    """The ms-ovba 0.0.1 trap: length mask 0xFFFF >> bit_count, maximum (0xFFFF >> bit_count) + 3."""
    assert copy_token_help(1) == (4, 0x0FFF, 4098)
    assert copy_token_help(17) == (5, 0x07FF, 2050)
    assert copy_token_help(4096) == (12, 0x000F, 18)
    data = b"x" * 4096 + b"y" * 4096
    packed = compress(data)
    assert len(packed) < 700
    assert decompress(packed) == data


def test_decompress_reads_what_excel_compressed() -> None:
    shipped = build.xlwings_dir() / "addin" / "xlwings.xlam"
    with zipfile.ZipFile(shipped) as package, olefile.OleFileIO(package.read("xl/vbaProject.bin")) as ole:
        packed = ole.openstream("VBA/dir").read()
    assert decompress(packed) == bytes(decompress_stream(bytearray(packed)))


# --- the compound file and the PROJECT stream --------------------------------------------------

stream_names = st.text(alphabet="abcXYZ_019é", min_size=1, max_size=31)
stream_sets = st.dictionaries(
    st.tuples(st.sampled_from(["", "VBA/", "VBA/sub/"]), stream_names).map("".join),
    st.integers(min_value=0, max_value=9000).map(lambda n: bytes(i % 251 for i in range(n))),
    min_size=1, max_size=12)


@SETTINGS
@given(stream_sets)
def test_compound_file_round_trips_through_olefile(streams: dict[str, bytes]) -> None:
    folders = {path.rsplit("/", 1)[0] for path in streams if "/" in path}
    if any(folder in streams or folder.split("/")[0] in streams for folder in folders):
        return  # a name used as both stream and storage: refused, tested below
    data = write_compound_file(streams)
    assert len(data) % 512 == 0
    with olefile.OleFileIO(data, raise_defects=olefile.DEFECT_POTENTIAL) as ole:
        for path, content in streams.items():
            assert ole.openstream(path).read() == content
        _assert_red_black(ole)


def test_compound_file_refuses_bad_names() -> None:
    with pytest.raises(ValueError):
        write_compound_file({"a" * 32: b""})
    with pytest.raises(ValueError):
        write_compound_file({"VBA": b"", "VBA/dir": b""})
    with pytest.raises(ValueError):
        write_compound_file({"VBA/Dir": b"", "VBA/dir": b""})


def _assert_red_black(ole: olefile.OleFileIO) -> None:
    """Every storage's children: a BST in name order, black root, no red-red, one black height."""
    for entry in ole.direntries:
        if entry is None or entry.sid_child == NOSTREAM:
            continue
        root = ole.direntries[entry.sid_child]
        assert root.color == BLACK
        _black_height(ole, entry.sid_child, None, None)


def _black_height(ole: olefile.OleFileIO, sid: int, low: tuple | None, high: tuple | None) -> int:
    if sid == NOSTREAM:
        return 1
    node = ole.direntries[sid]
    key = sort_key(node.name)
    assert (low is None or low < key) and (high is None or key < high)
    for child in (node.sid_left, node.sid_right):
        if node.color == RED and child != NOSTREAM:
            assert ole.direntries[child].color == BLACK
    left = _black_height(ole, node.sid_left, low, key)
    right = _black_height(ole, node.sid_right, key, high)
    assert left == right
    return left + (node.color == BLACK)


def test_project_stream_obfuscation_matches_excel(xlam: Path) -> None:
    # xlwings.xlam (written by Excel, project id all zeros) carries this key and this seed.
    assert project_key("{00000000-0000-0000-0000-000000000000}") == 0x54 ^ 0xF8
    assert decrypt("5D5F8AADDAA8DEA8DEA8DEA8DE") == bytes(4)  # Excel: CMG of an open project
    with olefile.OleFileIO(vba_bin(xlam)) as ole:
        project_text = ole.openstream("PROJECT").read().decode("cp1252")
    values = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"\r$', project_text, re.MULTILINE))
    assert [decrypt(values[k]) for k in ("CMG", "DPB", "GC")] == [bytes(4), b"\0", b"\xff"]
    assert values["GC"] == encrypt(build.VBA_PROJECT_ID, b"\xff")
    assert f'Name="{build.VBA_PROJECT_NAME}"\r\n' in project_text


# --- 2. two independent readers ------------------------------------------------------------------


def test_olevba_reads_every_module_identical(xlam: Path, modules: list[build.Module]) -> None:
    parser = VBA_Parser(str(xlam))
    try:
        found = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    assert sorted(found) == sorted(m.name for m in modules)
    for module in modules:
        assert found[module.name] == module.source, module.name
    names = [m.name for m in modules]
    assert names[:4] == ["ThisWorkbook", "Sheet1", "xlwings", "Dictionary"]
    assert "BackOffice" in names
    xlwings_source = found["xlwings"]
    assert 'Public Const PROJECT_NAME As String = "backoffice"' in xlwings_source
    assert "Sub BackOfficeButton(control As IRibbonControl)" in found["BackOffice"]


def test_the_xlwings_modules_are_stored_as_excel_stores_them(modules: list[build.Module]) -> None:
    """Our document and class modules equal, character for character, those Excel saved in
    xlwings' own add-in: the same attribute header (VB_Base, TemplateDerived, Customizable)."""
    parser = VBA_Parser(str(build.xlwings_dir() / "addin" / "xlwings.xlam"))
    try:
        excel = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    ours = {m.name: m.source for m in modules}
    for name in ("ThisWorkbook", "Sheet1", "Dictionary"):
        assert ours[name] == excel[name], name


def _libreoffice_ods(xlam: Path, outdir: Path) -> Path:
    """Open the add-in in LibreOffice headless as an Excel VBA workbook and save it as .ods."""
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        (profile / "user").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(libreoffice._REGISTRY,
                                                                     encoding="utf-8")
        args = [libreoffice.soffice_path(), "--headless", "--norestore", "--nolockcheck",
                f"-env:UserInstallation={profile.as_uri()}",
                "--infilter=Calc MS Excel 2007 VBA XML",
                "--convert-to", "ods", "--outdir", str(outdir), str(xlam)]
        done = libreoffice._run(args, profile, libreoffice.DEFAULT_TIMEOUT_S)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    target = outdir / f"{xlam.stem}.ods"
    assert target.is_file(), f"LibreOffice did not open the add-in:\n{done.stdout}\n{done.stderr}"
    return target


def as_libreoffice_shows(source: str) -> str:
    """Our stored source as LibreOffice shows VBA: no Attribute lines, LF line ends."""
    return "".join(line + "\n" for line in source.split("\r\n")[:-1]
                   if not line.startswith("Attribute "))


def strip_libreoffice_lines(text: str) -> str:
    """LibreOffice's module text without what it adds: its lines in front, one final line end."""
    lines = text.split("\n")
    added = ("Rem Attribute VBA_ModuleType=", "Option VBASupport 1", "Option ClassModule")
    while lines and lines[0].startswith(added):
        lines.pop(0)
    body = "\n".join(lines)
    assert body.endswith("\n"), "LibreOffice ends a module with an extra line end"
    return body[:-1]


@pytest.mark.libreoffice
def test_libreoffice_opens_the_addin_with_the_same_modules(
        xlam: Path, modules: list[build.Module], tmp_path: Path) -> None:
    ods = _libreoffice_ods(xlam, tmp_path / "lo")
    library = f"Basic/{build.VBA_PROJECT_NAME}"
    with zipfile.ZipFile(ods) as package:
        index = ElementTree.fromstring(package.read(f"{library}/script-lb.xml"))
        listed = sorted(e.get(f"{LIBRARY_NS}name") or "" for e in index)
        assert listed == sorted(m.name for m in modules)
        for module in modules:
            element = ElementTree.fromstring(package.read(f"{library}/{module.name}.xml"))
            assert element.get(f"{SCRIPT_NS}name") == module.name
            assert element.get(f"{SCRIPT_NS}moduleType") == LO_KINDS[module.kind], module.name
            code = strip_libreoffice_lines(element.text or "")
            assert code == as_libreoffice_shows(module.source), module.name
        content = package.read("content.xml").decode("utf-8")
    assert f'table:name="{build.CONF_SHEET}"' in content
    assert "udfs.functions" in content


# --- 3. reproducibility --------------------------------------------------------------------------


def test_building_twice_gives_identical_bytes(xlam: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    again = build.build_addin(tmp_path / "again")
    assert time.monotonic() - started < 5
    assert again.read_bytes() == xlam.read_bytes()
    other = build.build_addin(tmp_path / "other", interpreter=r"C:\Python311\python.exe")
    assert other.read_bytes() != xlam.read_bytes()
    with zipfile.ZipFile(other) as one, zipfile.ZipFile(xlam) as two:
        assert one.namelist() == two.namelist() == sorted(two.namelist())
        differing = [n for n in one.namelist() if one.read(n) != two.read(n)]
        assert differing == ["xl/worksheets/sheet1.xml"]
        assert {i.date_time for i in two.infolist()} == {build.ZIP_DATE}


# --- 4. the ribbon reaches VBA and Python --------------------------------------------------------


def test_every_ribbon_callback_and_tag_exists(modules: list[build.Module]) -> None:
    ui = ElementTree.parse(build.CUSTOM_UI).getroot()
    actions = {e.get("onAction") for e in ui.iter() if e.get("onAction")}
    tags = [e.get("tag") for e in ui.iter() if e.get("tag")]
    buttons = [e for e in ui.iter() if e.tag.endswith("}button")]
    callbacks = re.compile(r"^[ \t]*(?:Public[ \t]+)?Sub[ \t]+(\w+)[ \t]*\([ \t]*control[ \t]+As"
                           r"[ \t]+IRibbonControl[ \t]*\)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
    defined = [name for m in modules for name in callbacks.findall(m.source)]
    assert actions and actions <= set(defined)
    assert len(defined) == len(set(defined))
    assert all(b.get("onAction") and b.get("tag") for b in buttons)
    assert len(tags) == len(set(tags))
    assert set(tags) == set(DISPATCH)


# --- 5. a valid package --------------------------------------------------------------------------


def test_openpyxl_reads_the_package_and_its_settings(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as package:
        types = package.read("[Content_Types].xml")
        rels = package.read("_rels/.rels").decode()
        assert XLAM_MAIN in types
        assert ('Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" '
                'Target="customUI/customUI14.xml"') in rels
        assert package.read("customUI/customUI14.xml") == build.CUSTOM_UI.read_bytes()
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w") as out:
            for info in package.infolist():
                data = package.read(info)
                out.writestr(info, data.replace(XLAM_MAIN, XLSM_MAIN) if info.filename ==
                             "[Content_Types].xml" else data)
    copy.seek(0)
    book = openpyxl.load_workbook(copy, keep_vba=True)
    assert book.sheetnames == [build.CONF_SHEET]
    assert book.code_name == "ThisWorkbook"
    sheet = book[build.CONF_SHEET]
    assert sheet.sheet_properties.codeName == "Sheet1"
    rows = [(a.value, b.value) for a, b in sheet.iter_rows(min_col=1, max_col=2)]
    # settings not given are left out, so xlwings looks further (user file, then its default)
    assert rows == [("UDF Modules", "udfs.functions"), ("Show Console", "False"),
                    ("Use UDF Server", "False")]
    assert build.conf_rows("C:/Python311/python.exe", "C:/bo")[:3] == [
        ("Interpreter_Win", "C:/Python311/python.exe"), ("Interpreter_Mac", "C:/Python311/python.exe"),
        ("PYTHONPATH", "C:/bo")]
    assert book.vba_archive is not None
    with book.vba_archive as archive:
        assert olefile.isOleFile(archive.read("xl/vbaProject.bin"))


def test_settings_take_the_interpreter_and_pythonpath(tmp_path: Path) -> None:
    path = build.build_addin(tmp_path, interpreter="/opt/py & co/bin/python3", pythonpath=" /srv/x")
    with zipfile.ZipFile(path) as package:
        sheet = ElementTree.fromstring(package.read("xl/worksheets/sheet1.xml"))
    texts = [t.text for t in sheet.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}t")]
    assert texts[:6] == ["Interpreter_Win", "/opt/py & co/bin/python3", "Interpreter_Mac",
                         "/opt/py & co/bin/python3", "PYTHONPATH", " /srv/x"]
