"""backoffice.oxt built from text sources: every formula function declared once (udfs/*.py's
xlwings decorators) reaches the .idl, the Function Wizard's .xcu (en-US and pt-BR) and the
component; every Excel ribbon button is on the Calc toolbar and menu; the kept type library is
the declarations' own (recompiled here by unoidl-write when the LibreOffice SDK is present)."""

from __future__ import annotations

import ast
import zipfile

import pytest
from calc_office import udfs_imported_here
from lxml import etree

from addin.libreoffice import sources
from addin.libreoffice.build import KEPT_IDL, KEPT_RDB, build_oxt, compile_idl, unoidl_write
from addin.libreoffice.declarations import declared_functions, untranslated
from addin.ribbon import DISPATCH

OOR = "{http://openoffice.org/2001/registry}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EXCEL_FUNCTIONS = {"BO_VALIDATE", "BO_PARSE_NUMBER", "BO_PARSE_DATE", "BO_TAXID_VALID",
                   "BO_INSS", "BO_IRRF", "BO_NET_PAY"}


@pytest.fixture(scope="module")
def oxt(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    return zipfile.ZipFile(build_oxt(tmp_path_factory.mktemp("oxt"), ["/opt/project", "/opt/site"]))


def test_the_declarations_are_every_xlwings_udf_of_the_excel_door():
    with udfs_imported_here():
        import udfs.functions as module

        exported = {name: callable(getattr(module, name, None)) for name in dir(module)}
    names = [f.name for f in declared_functions()]
    assert set(names) >= EXCEL_FUNCTIONS
    assert len(names) == len(set(names))
    for name in names:  # the one module Excel imports exports each of them
        assert exported.get(name) is True, name
    validate = next(f for f in declared_functions() if f.name == "BO_VALIDATE")
    assert [(p.name, p.is_range, p.optional) for p in validate.params] == [
        ("table", True, False), ("sheet_kind", False, False), ("top_left", False, True),
        ("locale", False, True)]
    assert validate.doc_en.startswith("Issues of a range (header + data)")
    assert validate.params[3].doc_en == ('Optional: "en" (default) or "pt-BR": how numbers like '
                                         "1.234 are read, and the messages' language")
    assert validate.params[1].idl_name == "sheetKind"


def test_every_function_and_argument_has_its_portuguese_text():
    assert untranslated(declared_functions()) == []


def test_the_package_lists_its_parts_and_the_component_has_one_method_per_function(oxt):
    names = set(oxt.namelist())
    assert names == {"META-INF/manifest.xml", "description.xml", "CalcAddIns.xcu",
                     "ProtocolHandler.xcu", "Addons.xcu", "WindowState.xcu",
                     "backoffice_component.py",
                     "types/backoffice.idl", "types/backoffice.rdb"}
    manifest = etree.fromstring(oxt.read("META-INF/manifest.xml"))
    paths = {e.get("{http://openoffice.org/2001/manifest}full-path") for e in manifest}
    assert paths == names - {"META-INF/manifest.xml", "description.xml", "types/backoffice.idl"}
    code = oxt.read("backoffice_component.py").decode()
    tree = ast.parse(code)
    functions = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Functions")
    methods = {n.name for n in functions.body if isinstance(n, ast.FunctionDef)}
    assert methods >= {f.name for f in declared_functions()}
    assert "PATHS: list[str] = ['/opt/project', '/opt/site']" in code
    assert "@@" not in code


def test_function_wizard_texts_in_english_and_portuguese(oxt):
    root = etree.fromstring(oxt.read("CalcAddIns.xcu"))
    service = root.find(f".//node[@{OOR}name='{sources.ADDIN_SERVICE}']")
    functions = service.find("node").findall("node")
    assert [f.get(f"{OOR}name") for f in functions] == [f.name for f in declared_functions()]
    inss = next(f for f in functions if f.get(f"{OOR}name") == "BO_INSS")

    def texts(node, prop):
        return {v.get(XML_LANG): v.text for v in node.find(f"prop[@{OOR}name='{prop}']")}

    assert texts(inss, "DisplayName") == {"en-US": "BO_INSS", "pt-BR": "BO_INSS"}
    assert texts(inss, "Description")["pt-BR"].startswith("Contribuição do empregado ao INSS")
    assert texts(inss, "Description")["en-US"].startswith("INSS employee contribution")
    gross = inss.find(f"node/node[@{OOR}name='gross']")
    assert texts(gross, "DisplayName") == {"en-US": "gross", "pt-BR": "bruto"}
    validate = next(f for f in functions if f.get(f"{OOR}name") == "BO_VALIDATE")
    assert [p.get(f"{OOR}name") for p in validate.find("node")] == ["table", "sheetKind",
                                                                   "topLeft", "locale"]


def test_every_ribbon_button_is_on_the_calc_toolbar_and_menu(oxt):
    root = etree.fromstring(oxt.read("Addons.xcu"))
    toolbar = root.find(f".//node[@{OOR}name='org.backoffice.calc.toolbar']")
    menu = root.find(f".//node[@{OOR}name='org.backoffice.calc.menu']/node")

    def urls(node):
        return [i.find(f"prop[@{OOR}name='URL']/value").text for i in node]

    expected = [f"org.backoffice.jobs:{tag}" for tag in DISPATCH]
    assert sorted(urls(toolbar)) == sorted(expected) == sorted(urls(menu))
    first = toolbar[0].find(f"prop[@{OOR}name='Title']")
    assert {v.get(XML_LANG): v.text for v in first} == {"en-US": "Validate workbook",
                                                        "pt-BR": "Validar pasta de trabalho"}
    state = etree.fromstring(oxt.read("WindowState.xcu")).find(".//node/node/node")
    assert state.get(f"{OOR}name") == "private:resource/toolbar/addon_org.backoffice.calc.toolbar"
    assert state.find(f"prop[@{OOR}name='UIName']/value").text == "Back Office"
    handler = etree.fromstring(oxt.read("ProtocolHandler.xcu"))
    assert handler.find(".//value").text == "org.backoffice.jobs:*"


def test_every_ribbon_tag_has_a_calc_button():
    from addin.libreoffice.calc_jobs import buttons

    assert set(buttons()) == set(DISPATCH) >= {"validate", "clear_marks", "audit_show",
                                                "audit_verify", "doctor"}


def test_the_build_is_reproducible(tmp_path):
    first = build_oxt(tmp_path / "a", ["/x"]).read_bytes()
    assert build_oxt(tmp_path / "b", ["/x"]).read_bytes() == first


def test_the_kept_type_library_is_the_declarations_own():
    idl = sources.idl(declared_functions())
    assert KEPT_IDL.read_text(encoding="utf-8") == idl, (
        "the formula functions changed: run python -m addin.libreoffice.build --update-types")
    assert 200 < len(KEPT_RDB.read_bytes()) < 4000
    if unoidl_write() is not None:  # Debian's libreoffice-dev (make test installs it there)
        assert compile_idl(idl) == KEPT_RDB.read_bytes()


def test_a_declared_function_appears_in_every_generated_file(tmp_path):
    folder = tmp_path / "udfs"
    folder.mkdir()
    (folder / "extra.py").write_text(
        'import xlwings as xw\n_DOC = "A number"\n\n'
        '@xw.func(category="Back Office")\n@xw.arg("x", doc=_DOC + ", any")\n'
        'def BO_TWICE(x, y=""):\n    """Twice x."""\n    return [[2 * x]]\n', encoding="utf-8")
    (twice,) = declared_functions(folder)
    assert (twice.name, twice.module, twice.doc_en, twice.doc_pt) == ("BO_TWICE", "udfs.extra",
                                                                      "Twice x.", "Twice x.")
    assert [(p.name, p.doc_en, p.optional) for p in twice.params] == [("x", "A number, any", False),
                                                                      ("y", "", True)]
    assert "sequence< sequence< any > > BO_TWICE(\n            [in] any x,\n            [in] any y);" \
        in sources.idl([twice])
    assert '<node oor:name="BO_TWICE" oor:op="replace">' in sources.calc_addins_xcu([twice])
    assert "def BO_TWICE(self, *args):\n        return _call('BO_TWICE', args)" in sources.component(
        [twice], [])
    assert untranslated([twice]) == ["BO_TWICE"]


def test_a_changed_declaration_without_the_sdk_is_refused_with_the_fix(monkeypatch, tmp_path):
    from addin.libreoffice import build
    from engine.errors import BadArguments

    monkeypatch.setattr(build, "KEPT_IDL", tmp_path / "old.idl")
    (tmp_path / "old.idl").write_text("// older", encoding="utf-8")
    monkeypatch.setattr(build, "unoidl_write", lambda: None)
    with pytest.raises(BadArguments, match="--update-types"):
        build.build_oxt(tmp_path / "out")
    assert not (tmp_path / "out" / "backoffice.oxt").exists()
