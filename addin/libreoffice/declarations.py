"""Every formula function, declared once: read from the xlwings decorators of udfs/*.py.

The Excel door's declaration of a formula function is its xlwings decorators: `@xw.func` marks
it, each `@xw.arg("name", ..., doc="...")` describes an argument (`ndim=2`: it takes a range)
and the docstring's first line is its description in Excel's Function Wizard. The Calc door
reads the SAME declarations (parsed from the source with `ast`, so nothing is imported: xlwings'
decorators are no-ops off Windows and keep nothing) and adds the Portuguese texts of
addin.libreoffice.portuguese; the .idl, the CalcAddIns .xcu and the component's methods are
generated from the result (addin.libreoffice.sources). A new `@xw.func` in udfs/ appears in both
doors without hand-editing XML.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from addin.libreoffice.portuguese import PORTUGUESE

UDFS = Path(__file__).resolve().parents[2] / "udfs"


@dataclass(frozen=True)
class Param:
    """One argument: its Python name, whether it takes a range, whether it may be left out,
    and its display name and description in English and Portuguese."""

    name: str
    is_range: bool
    optional: bool
    doc_en: str
    name_pt: str
    doc_pt: str

    @property
    def idl_name(self) -> str:
        """The name in UNO IDL, which refuses snake_case: sheet_kind -> sheetKind."""
        head, *rest = self.name.split("_")
        return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Function:
    """One formula function: name (the same in Excel, Calc and every language), the module
    that defines it, its description in English and Portuguese, its arguments."""

    name: str
    module: str
    doc_en: str
    doc_pt: str
    params: tuple[Param, ...]


def declared_functions(folder: Path = UDFS) -> list[Function]:
    """Every `@xw.func` of the udfs package, in source order (module by module, sorted)."""
    found: list[Function] = []
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants = _string_constants(tree)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any(_is_xw(d, "func") for d in node.decorator_list):
                found.append(_function(node, f"udfs.{path.stem}", constants))
    return found


def _function(node: ast.FunctionDef, module: str, constants: dict[str, str]) -> Function:
    docs: dict[str, tuple[str, bool]] = {}  # arg name -> (doc, is a range)
    for decorator in node.decorator_list:
        if _is_xw(decorator, "arg") and isinstance(decorator, ast.Call) and decorator.args:
            name = _text(decorator.args[0], constants)
            keywords = {k.arg: k.value for k in decorator.keywords if k.arg}
            doc = _text(keywords["doc"], constants) if "doc" in keywords else ""
            ndim = keywords.get("ndim")
            docs[name] = (doc, isinstance(ndim, ast.Constant) and ndim.value == 2)
    args = node.args.args
    first_optional = len(args) - len(node.args.defaults)
    pt_doc, pt_params = PORTUGUESE.get(node.name, ("", {}))
    params = []
    for index, arg in enumerate(args):
        doc, is_range = docs.get(arg.arg, ("", False))
        name_pt, doc_pt = pt_params.get(arg.arg, (arg.arg, doc))
        params.append(Param(arg.arg, is_range, index >= first_optional, doc, name_pt, doc_pt))
    summary = (ast.get_docstring(node) or node.name).strip().splitlines()[0]
    return Function(node.name, module, summary, pt_doc or summary, tuple(params))


def _is_xw(decorator: ast.expr, name: str) -> bool:
    """`@xw.<name>` or `@xw.<name>(...)`."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == name
            and isinstance(target.value, ast.Name) and target.value.id == "xw")


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "text"` (or a sum of such), the docs decorators refer to."""
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = _text(node.value, constants)
            except ValueError:
                continue
    return constants


def _text(node: ast.expr, constants: dict[str, str]) -> str:
    """A string literal, a constant's name, or a `+` of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left, constants) + _text(node.right, constants)
    raise ValueError(f"not a text: {ast.dump(node)[:80]}")


def untranslated(functions: list[Function]) -> list[str]:
    """Functions or arguments without a Portuguese text (a test keeps this empty)."""
    missing = []
    for function in functions:
        texts = PORTUGUESE.get(function.name)
        if texts is None:
            missing.append(function.name)
            continue
        missing += [f"{function.name}({p.name})" for p in function.params if p.name not in texts[1]]
    return missing
