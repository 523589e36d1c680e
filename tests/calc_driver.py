"""Drive a running LibreOffice over UNO for the Calc tests: run by /usr/bin/python3 (the only
Python that imports `uno` on Debian), as the same user as soffice (the pipe is per user).

    /usr/bin/python3 tests/calc_driver.py PIPE_NAME ACTIONS_JSON  ->  one JSON list on stdout

Actions (each a one-key object; results in order):
  {"open": "/path/book.xlsx"}            load it (hidden); later actions act on it
  {"open_visible": "/path/book.xlsx"}    load it in a window;  {"attach": true}  act on the
                                         document already open (another driver opened it)
  {"formulas": {"Sheet.A1": "=..."}}     cell formulas (Calc syntax), then recalculate
  {"array": ["Sheet.A1:D1", "=..."]}     a sized array formula, then recalculate
  {"read": "Sheet.A1:D3"}                -> {"values": rows, "errors": {"A1": code}}
  {"dispatch": "org.backoffice.jobs:validate"}   -> the handler's "title\\nmessage"
  {"write_sheet": "module:function"}     that function's OutputSheet written by the UNO adapter
                                         (workbooks.uno_calc; PYTHONPATH must reach it), recalculated
  {"activate": "Issues"}                 show that sheet;  {"window": [w, h]}  size the window
  {"store": true} / {"close": true} / {"terminate": true}
"""

import contextlib
import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def cell_range(doc, address):
    sheet, cells = address.rsplit(".", 1)
    return doc.Sheets.getByName(sheet).getCellRangeByName(cells)


def read(doc, address):
    rng = cell_range(doc, address)
    values = [list(row) for row in rng.getDataArray()]
    errors = {}
    start = rng.getRangeAddress()
    for r in range(len(values)):
        for c in range(len(values[r])):
            cell = rng.getCellByPosition(c, r)
            if cell.getError():
                errors[f"{r},{c}"] = cell.getError()
            elif cell.getType().value == "TEXT":
                values[r][c] = cell.getString()
    return {"values": values, "errors": errors, "start": [start.StartRow, start.StartColumn]}


def main():
    pipe, actions = sys.argv[1], json.loads(sys.argv[2])
    ctx = connect(pipe)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc, results = None, []
    for action in actions:
        (kind, arg), = action.items()
        if kind == "open":
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(arg), "_blank", 0,
                                               (prop("Hidden", True),))
            results.append(doc is not None)
        elif kind == "open_visible":
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(arg), "_blank", 0, ())
            results.append(doc is not None)
        elif kind == "attach":
            doc = desktop.getCurrentComponent()
            results.append(doc is not None)
        elif kind == "formulas":
            for address, formula in arg.items():
                cell_range(doc, address).getCellByPosition(0, 0).setFormula(formula)
            doc.calculateAll()
            results.append(True)
        elif kind == "array":
            cell_range(doc, arg[0]).setArrayFormula(arg[1])
            doc.calculateAll()
            results.append(True)
        elif kind == "read":
            results.append(read(doc, arg))
        elif kind == "dispatch":
            helper = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
            frame = doc.getCurrentController().getFrame()
            event = helper.executeDispatch(frame, arg, "", 0, ())
            results.append(getattr(event, "Result", event))
        elif kind == "write_sheet":
            import importlib

            from workbooks.uno_calc import CalcWorkbook

            module, function = arg.split(":")
            book = CalcWorkbook(doc)
            book.write_sheet(getattr(importlib.import_module(module), function)())
            written = book.save()
            doc.calculateAll()
            results.append(written)
        elif kind == "activate":
            doc.getCurrentController().setActiveSheet(doc.Sheets.getByName(arg))
            results.append(True)
        elif kind == "window":
            window = doc.getCurrentController().getFrame().getContainerWindow()
            window.setPosSize(0, 0, arg[0], arg[1], 15)  # 15: position and size
            results.append(True)
        elif kind == "store":
            doc.store()
            results.append(True)
        elif kind == "close":
            doc.close(True)
            doc = None
            results.append(True)
        elif kind == "terminate":
            with contextlib.suppress(Exception):  # the bridge goes down with soffice
                desktop.terminate()
            results.append(True)
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
