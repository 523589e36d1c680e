"""`backoffice addin install --target libreoffice` and the doctor's check, for real: a virtual
environment made from LibreOffice's Python (/usr/bin/python3 --system-site-packages, the
project and its packages on its path as `pip install -e .` would put them), the command run from
it as an unprivileged user installs the extension into that user's LibreOffice with unopkg, and
a formula computes in that LibreOffice; from a Python that is not LibreOffice's the command
refuses and says how to fix it."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from calc_office import SYSTEM_PYTHON, CalcOffice, udfs_imported_here

pytestmark = pytest.mark.libreoffice
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed() -> dict[str, object]:
    with CalcOffice() as office:
        venv = office.home / "venv"
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", "--without-pip",
                        str(venv)], check=True, timeout=60)
        site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        # What `pip install -e .` gives: the project and its dependencies importable.
        (site / "backoffice-dev.pth").write_text(
            f"{PROJECT}\n{sysconfig.get_paths()['purelib']}\n", encoding="utf-8")
        command = [str(venv / "bin" / "python"), "-m", "addin.cli"]
        done = office.run([*command, "addin", "install", "--target", "libreoffice", "--json"])
        doctor = office.run([*command, "doctor", "--json"])
        record = json.loads((office.home / ".backoffice" / "libreoffice.json").read_text())
        default_profile = office.home / ".config" / "libreoffice" / "4"
        office.prepare(default_profile)  # en-US, recalculation on load (the extension is in it)
        office.start(default_profile)
        book = office.home / "gross.xlsx"
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active.title = "Pay"
        wb.active["A1"] = 5000
        wb.save(book)
        office.chown(book)
        values = office.drive([{"open": str(book)}, {"formulas": {"Pay.B1": "=BO_INSS(A1)"}},
                               {"read": "Pay.B1"}, {"close": True}])[2]["values"]
        return {"install": done, "doctor": doctor, "record": record, "venv": venv, "site": site,
                "values": values}


def test_install_from_the_libreoffice_python_environment_adds_the_extension(installed):
    done = installed["install"]
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["ok"] is True and answer["addin"].endswith(".backoffice/build-libreoffice/backoffice.oxt")
    record = installed["record"]
    assert record["python"] == str(installed["venv"] / "bin" / "python")
    assert record["paths"] == [str(PROJECT), str(installed["site"])]


def test_the_installed_extension_computes_with_the_environments_engine(installed):
    with udfs_imported_here():
        from udfs.payroll import BO_INSS

        assert installed["values"] == [[float(BO_INSS(5000)[0][0])]] == [[501.51]]


def test_doctor_in_that_environment_says_libreoffice_runs_it(installed):
    doctor = installed["doctor"]
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    calc = checks["LibreOffice Calc"]
    assert calc["ok"] is True
    assert calc["detail"] == ("the extension runs Back Office from "
                              f"{installed['venv'] / 'bin' / 'python'} in LibreOffice's Python")


def test_install_from_a_python_that_is_not_libreoffices_refuses_with_the_fix(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "addin.cli", "addin", "install", "--target",
                           "libreoffice"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"This Python ({sys.executable}) is not LibreOffice's: it cannot import uno." in done.stderr
    assert "/usr/bin/python3 -m venv --system-site-packages" in done.stderr
    assert not (tmp_path / ".backoffice" / "libreoffice.json").exists()


def test_doctor_flags_an_installed_extension_whose_environment_is_gone(tmp_path):
    record = tmp_path / ".backoffice" / "libreoffice.json"
    record.parent.mkdir()
    record.write_text(json.dumps({"python": "/gone/bin/python", "paths": ["/gone/project"]}))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "addin.cli", "doctor", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    calc = {c["name"]: c for c in json.loads(done.stdout)["checks"]}["LibreOffice Calc"]
    assert calc["ok"] is False
    assert calc["detail"] == "the extension imports Back Office from /gone/project, which is gone"
    assert calc["fix"].startswith("Make the environment from LibreOffice's Python")


def test_an_extension_that_cannot_import_back_office_says_so_in_cells_and_boxes(tmp_path):
    """Built for no environment, the extension runs in a Python without the engine: the cell
    and the button say how to set it up; soffice keeps running (a second call answers too)."""
    from addin.libreoffice.build import build_oxt

    oxt = build_oxt(tmp_path, [])
    with CalcOffice(oxt) as office:
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active.title = "Pay"
        wb.save(tmp_path / "pay.xlsx")
        book = office.place(tmp_path / "pay.xlsx")
        results = office.drive([{"open": str(book)}, {"formulas": {"Pay.A1": "=BO_INSS(5000)"}},
                                {"read": "Pay.A1"}, {"dispatch": "org.backoffice.jobs:validate"},
                                {"dispatch": "org.backoffice.jobs:doctor"}, {"close": True}])
    cell = results[2]["values"][0][0]
    assert cell.startswith("#BO! Back Office is not set up for LibreOffice (ImportError: "
                           "No module named 'addin'")
    assert "backoffice addin install --target libreoffice" in cell
    for answer in results[3:5]:
        assert answer.startswith("Back Office: not done\nBack Office is not set up for LibreOffice")
