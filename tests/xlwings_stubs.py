"""Run xlwings' Windows UDF machinery on any OS: pywin32 stand-ins and a fake Excel Range.

On Windows, Excel calls a UDF through xlwings' COM server: the VBA wrapper that "Import Functions"
wrote calls `XLPy.CallUDF(module, name, Array(args...), ThisWorkbook, Application.Caller)`, which
is `xlwings.com_server.XLPython.CallUDF` -> `xlwings.udfs.call_udf` -> `conversion.read` per
argument -> the function -> `conversion.write`. All of that is plain Python once the pywin32
modules it imports at module level exist. `installed()` puts minimal fakes of them in
sys.modules, imports the REAL `xlwings._xlwindows` (the Excel engine whose value cleaning the
converters use), `xlwings.udfs` and `xlwings.com_server`, registers the "excel" engine and binds
`xw.func`/`xw.arg`/`xw.ret` to the real decorators, exactly as `xlwings/__init__.py` does on
Windows. On exit everything is put back, so other tests see the Linux xlwings they expect.

Nothing here talks to Excel: `FakeComRange` answers the few COM properties xlwings reads from a
Range argument (Value, Worksheet, Row, Column, Rows.Count, Columns.Count and the type library's
interface id that `is_range_instance` checks).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import datetime as dt
import importlib
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

RANGE_IID = "{00020846-0000-0000-C000-000000000046}"  # Excel's Range dispinterface
IDISPATCH_IID = "{00020400-0000-0000-C000-000000000046}"
IENUMVARIANT_IID = "{00020404-0000-0000-C000-000000000046}"
DISP_E_PARAMNOTFOUND = -2147352572  # what VBA passes for an omitted Optional argument

# Excel error cells as COM hands them over (VT_ERROR: 0x800A0000 + the xlErr code).
COM_ERRORS = {
    "#NULL!": -2146826288, "#DIV/0!": -2146826281, "#VALUE!": -2146826273, "#REF!": -2146826265,
    "#NAME?": -2146826259, "#NUM!": -2146826252, "#N/A": -2146826246,
    "#GETTING_DATA": -2146826245, "#SPILL!": -2146826243, "#CALC!": -2146826238,
}

PYWIN32_MODULES = (
    "pywintypes", "pythoncom", "win32api", "win32con", "win32event", "win32gui", "win32process",
    "win32timezone", "win32com", "win32com.client", "win32com.client.gencache", "win32com.server",
    "win32com.server.dispatcher", "win32com.server.exception", "win32com.server.policy",
    "win32com.server.util",
)
XLWINGS_WINDOWS_MODULES = ("xlwings._xlwindows", "xlwings._win32patch", "xlwings.udfs",
                           "xlwings.com_server")
DECORATOR_NAMES = ("func", "arg", "ret", "script", "sub")


# --------------------------------------------------------------------------- pywin32 fakes


class TimeType(dt.datetime):
    """pywintypes.TimeType: pywin32's COM date, a datetime subclass (tz-aware, UTC)."""


class ComError(Exception):
    """pywintypes.com_error: (hresult, message, excepinfo, argerror)."""

    def __init__(self, hresult: int = 0, message: str = "", excepinfo: Any = None,
                 argerror: Any = None) -> None:
        super().__init__(hresult, message, excepinfo, argerror)
        self.hresult = hresult


class PyIDispatch:
    """pythoncom's IDispatch type: FromVariant turns these into Dispatch objects."""


class _Anything:
    """Any attribute, any call: stands in for ctypes' windll/oledll/PyDLL while the Windows
    engine module runs its module-level DLL look-ups."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def __getattr__(self, _name: str) -> _Anything:
        return _Anything()

    def __setattr__(self, _name: str, _value: Any) -> None:
        pass

    def __call__(self, *_args: Any, **_kwargs: Any) -> _Anything:
        return _Anything()


class _Unwrappable(Exception):
    pass


def _unwrap(_obj: Any) -> Any:
    raise _Unwrappable("not a wrapped Python object")  # com_server.FromVariant falls back


def _timezone_info() -> type:
    class TimeZoneInfo:
        @staticmethod
        def utc() -> dt.tzinfo:
            return dt.UTC

    return TimeZoneInfo


def _module(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    if "." not in name or name in ("win32com.client", "win32com.server"):
        module.__path__ = []  # a package, so its submodules import
    return module


def pywin32_modules() -> dict[str, types.ModuleType]:
    """Fresh fake pywin32 modules: only what xlwings touches at import time or in call_udf."""
    noop = _Anything()
    client = _module("win32com.client", Dispatch=lambda obj, *a, **k: obj,
                     DispatchEx=lambda *a, **k: noop, CDispatch=type("CDispatch", (), {}),
                     CoClassBaseClass=type("CoClassBaseClass", (), {}),
                     DispatchBaseClass=type("DispatchBaseClass", (), {}))
    gencache = _module("win32com.client.gencache", EnsureModule=lambda *a, **k: None)
    client.gencache = gencache
    server = _module("win32com.server")
    parts = {
        "dispatcher": _module("win32com.server.dispatcher"),
        "exception": _module("win32com.server.exception", COMException=ComError),
        "policy": _module("win32com.server.policy", DefaultPolicy=type("DefaultPolicy", (), {})),
        "util": _module("win32com.server.util", wrap=lambda obj, *a, **k: obj, unwrap=_unwrap),
    }
    for attr, module in parts.items():
        setattr(server, attr, module)
    win32com = _module("win32com", client=client, server=server)
    modules = {
        "pywintypes": _module("pywintypes", TimeType=TimeType, com_error=ComError, error=ComError,
                              IID=lambda text: str(text).upper()),
        "pythoncom": _module("pythoncom", __file__="pythoncom311.dll",
                             CoInitialize=lambda: None, CoUninitialize=lambda: None,
                             IID_IDispatch=IDISPATCH_IID, IID_IEnumVARIANT=IENUMVARIANT_IID,
                             TypeIIDs={IDISPATCH_IID: PyIDispatch}),
        "win32api": _module("win32api", GetCurrentThreadId=lambda: 1),
        "win32con": _module("win32con"),
        "win32event": _module("win32event", INFINITE=-1, QS_ALLEVENTS=0x04BF, WAIT_OBJECT_0=0),
        "win32gui": _module("win32gui"),
        "win32process": _module("win32process", GetWindowThreadProcessId=lambda hwnd: (1, 4242)),
        "win32timezone": _module("win32timezone", TimeZoneInfo=_timezone_info()),
        "win32com": win32com, "win32com.client": client, "win32com.client.gencache": gencache,
        "win32com.server": server,
    }
    modules.update({f"win32com.server.{attr}": module for attr, module in parts.items()})
    return modules


# --------------------------------------------------------------------------- a fake Excel Range


class _Count:
    def __init__(self, count: int) -> None:
        self.Count = count


class _TypeInfo:
    def __init__(self, iid: str) -> None:
        self.iid = iid

    def GetTypeInfo(self) -> _TypeInfo:
        return self

    def GetTypeAttr(self) -> _TypeInfo:
        return self


@dataclass
class FakeApplication:
    Hwnd: int = 4242


@dataclass
class FakeWorkbook:
    Name: str = "Orders.xlsx"
    Application: FakeApplication = field(default_factory=FakeApplication)


@dataclass
class FakeWorksheet:
    Name: str = "Orders"
    Parent: FakeWorkbook = field(default_factory=FakeWorkbook)


class FakeComRange:
    """What pywin32 hands xlwings for a Range argument: `.Value` is a tuple of row tuples
    (a scalar for one cell), with floats, COM dates, strings, None for empty and error ints."""

    def __init__(self, rows: list[list[Any]], row: int = 1, column: int = 1,
                 sheet: FakeWorksheet | None = None) -> None:
        self.rows = rows
        self.Row, self.Column = row, column
        self.Worksheet = sheet or FakeWorksheet()
        self.Rows, self.Columns = _Count(len(rows)), _Count(len(rows[0]) if rows else 0)
        self.Count = self.Rows.Count * self.Columns.Count
        self._oleobj_ = _TypeInfo(RANGE_IID)

    @property
    def Value(self) -> Any:
        if self.Count == 1:
            return self.rows[0][0]
        return tuple(tuple(row) for row in self.rows)


def com_value(value: Any) -> Any:
    """A Python cell value as pywin32 delivers it: dates as TimeType (UTC), errors as ints,
    empty cells as None."""
    if isinstance(value, dt.datetime):
        return TimeType(value.year, value.month, value.day, value.hour, value.minute, value.second,
                        tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return TimeType(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str) and value in COM_ERRORS:
        return COM_ERRORS[value]
    return None if value == "" else value


def com_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """A 2-D list of Python values as pywin32 delivers a range's Value."""
    return [[com_value(v) for v in row] for row in rows]


# --------------------------------------------------------------------------- install / restore


@dataclass
class XlwingsOnWindows:
    """The real xlwings Windows modules, imported over the fakes."""

    udfs: types.ModuleType
    com_server: types.ModuleType
    xlwindows: types.ModuleType

    def call(self, module: str, name: str, *args: Any, caller: Any = None) -> Any:
        """Call a UDF the way Excel does: the COM server's CallUDF with the VBA wrapper's args."""
        server = self.com_server.XLPython()
        return server.CallUDF(module, name, tuple(args), None, caller)


@contextlib.contextmanager
def installed() -> Iterator[XlwingsOnWindows]:
    """Fake pywin32, real xlwings Windows UDF modules, real decorators bound to `xw`; undone on
    exit. Our `udfs` modules imported meanwhile (decorated for Windows) are dropped again."""
    import xlwings

    saved_modules = {name: sys.modules.get(name) for name in (*PYWIN32_MODULES, *XLWINGS_WINDOWS_MODULES)}
    saved_udfs = {name: module for name, module in sys.modules.items() if _is_ours(name)}
    saved_attrs = {name: getattr(xlwings, name, None) for name in DECORATOR_NAMES}
    saved_engines = (list(xlwings.engines.engines), dict(xlwings.engines.engines_by_name),
                     xlwings.engines.active)
    saved_ctypes = {name: getattr(ctypes, name, None) for name in ("windll", "oledll", "PyDLL")}
    xlwindows = com_server = None
    try:
        sys.modules.update(pywin32_modules())
        ctypes.windll = ctypes.oledll = _Anything()  # type: ignore[attr-defined]
        ctypes.PyDLL = _Anything  # type: ignore[misc,assignment]
        try:
            xlwindows = importlib.import_module("xlwings._xlwindows")
        finally:
            for name, value in saved_ctypes.items():
                _restore_attr(ctypes, name, value)
        udfs = importlib.import_module("xlwings.udfs")
        com_server = importlib.import_module("xlwings.com_server")
        xlwings.engines.add(xlwings.Engine(impl=xlwindows.engine))
        xlwings.engines.active = xlwings.engines["excel"]
        xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
        xlwings.script = xlwings.sub = udfs.xlsub
        yield XlwingsOnWindows(udfs, com_server, xlwindows)
    finally:
        if xlwindows is not None:  # its exit hook looks for Excel processes with tasklist
            atexit.unregister(xlwindows.cleanup)
        if com_server is not None and not com_server.loop.is_running():
            com_server.loop.close()
        for name in [n for n in sys.modules if _is_ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved_udfs)
        for name, module in saved_modules.items():
            if module is not None:
                sys.modules[name] = module
            else:
                sys.modules.pop(name, None)
                if name.startswith("xlwings."):
                    _restore_attr(xlwings, name.split(".", 1)[1], None)
        for name, value in saved_attrs.items():
            _restore_attr(xlwings, name, value)
        xlwings.engines.engines, xlwings.engines.engines_by_name = saved_engines[0], saved_engines[1]
        xlwings.engines.active = saved_engines[2]


def _is_ours(name: str) -> bool:
    return name == "udfs" or name.startswith("udfs.")


def _restore_attr(owner: Any, name: str, value: Any) -> None:
    if value is None:
        if hasattr(owner, name):
            delattr(owner, name)
    else:
        setattr(owner, name, value)


def fresh_import(name: str) -> types.ModuleType:
    """Import (again) a module so its decorators run against what is installed now."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)
