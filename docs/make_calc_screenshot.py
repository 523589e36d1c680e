"""Make docs/libreoffice-calc.png: LibreOffice Calc (its GUI, under Xvfb) with the Back Office
toolbar, the Issues sheet and the message box of "Validate workbook" on the demo workbook.

Needs Xvfb, ImageMagick's `import` and a LibreOffice with a GUI plugin (Debian's
libreoffice-core, not -nogui); `--office DIR` points at its program folder. Run from the project:

    PYTHONPATH=. .venv/bin/python docs/make_calc_screenshot.py --office /usr/lib/libreoffice/program
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from calc_office import DRIVER, SYSTEM_PYTHON, CalcOffice  # noqa: E402

from addin.demo.book import build_demo_workbook  # noqa: E402
from addin.libreoffice.build import build_oxt  # noqa: E402

DISPLAY, SIZE = ":97", (1400, 860)
LOG = Path(tempfile.gettempdir()) / "backoffice-calc-screenshot.log"


def main() -> None:
    """Start Xvfb and GUI soffice, press Validate, take the picture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--office", type=Path, default=Path("/usr/lib/libreoffice/program"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "libreoffice-calc.png")
    args = parser.parse_args()
    xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24", "-ac"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with tempfile.TemporaryDirectory() as folder:
            oxt = build_oxt(Path(folder), [str(ROOT), sysconfig.get_paths()["purelib"]])
            demo = build_demo_workbook(Path(folder) / "backoffice-demo.xlsx") and \
                Path(folder) / "backoffice-demo.xlsx"
            with CalcOffice(oxt, start=False) as office:
                office.env["DISPLAY"] = DISPLAY
                office.env["SAL_USE_VCLPLUGIN"] = "gen"
                book = office.place(demo)
                office.start(soffice=str(args.office / "soffice"), headless=False,
                             log=LOG)
                office.drive([{"open_visible": str(book)}, {"window": list(SIZE)}])
                # Press "Validate workbook": the job runs, then its message box waits for OK.
                pressing = subprocess.Popen(
                    [SYSTEM_PYTHON, str(DRIVER), office.pipe,
                     '[{"attach": true}, {"dispatch": "org.backoffice.jobs:validate"}]'],
                    env=office.env, user=office.user, group=office.user,
                    extra_groups=[] if office.user else None, cwd=office.home,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(8)
                office.drive([{"attach": True}, {"activate": "Issues"}])
                time.sleep(2)
                subprocess.run(["import", "-display", DISPLAY, "-window", "root", str(args.out)],
                               check=True, timeout=60)
                pressing.kill()
    except BaseException:
        print(LOG.read_text(errors="replace")[-3000:] if LOG.exists() else "no soffice log")
        raise
    finally:
        xvfb.kill()
        xvfb.wait(timeout=10)
    print(args.out)


if __name__ == "__main__":
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    main()
