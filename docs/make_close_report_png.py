"""Render docs/close-report.png: the Close Report of the demo's closed book, as LibreOffice
prints it (landscape, fitted to the page width), at 80 dpi.

    backoffice demo /tmp/demo/backoffice-demo.xlsx --force
    python docs/make_close_report_png.py /tmp/demo/backoffice-demo-closed.xlsx
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import libreoffice  # noqa: E402  (tests/libreoffice.py: headless, fresh profile, recalculation)


def main(closed: Path, out: Path = ROOT / "docs" / "close-report.png") -> None:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "report.xlsx"
        wb = openpyxl.load_workbook(closed)  # a copy for printing only: the other sheets hidden
        for ws in wb.worksheets:
            if ws.title != "Close Report":
                ws.sheet_state = "hidden"
        ws = wb["Close Report"]
        wb.active = wb.worksheets.index(ws)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_area = None  # the charts beside the figures too
        wb.save(copy)
        pdf = libreoffice.convert(copy, Path(folder) / "pdf", to="pdf")
        pages = int(next(line.split()[1] for line in subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
            if line.startswith("Pages:")))
        page = next(n for n in range(1, pages + 1) if subprocess.run(  # LibreOffice prints hidden sheets too
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
            text=True, check=True).stdout.startswith("Month-end close"))
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(page), "-l",
                        str(page), str(pdf), str(out.with_suffix(""))], check=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
