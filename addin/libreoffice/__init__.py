"""The LibreOffice Calc door: backoffice.oxt (build.py, install.py), generated from the formula
functions' declarations (declarations.py, portuguese.py, sources.py, extension/), and what runs
inside LibreOffice (runtime.py: formula calls and buttons; calc_jobs.py: the buttons on the open
document through workbooks/uno_calc.py and addin/runner.py)."""
