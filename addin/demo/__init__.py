"""`backoffice demo`: write the demo workbook and run the most complete job on it."""

from __future__ import annotations

from pathlib import Path

from addin import report
from addin.demo.book import DemoFacts, build_demo_workbook
from addin.jobs import JobResult, run_on_file, validate_job
from engine.errors import BadArguments


def run_demo(path: Path, *, force: bool = False, progress: bool = True
             ) -> tuple[JobResult, DemoFacts]:
    """Build the demo book at `path` (replacing it only with force) and validate it."""
    if path.exists() and not force:
        raise BadArguments(f"{path} already exists; pass --force to replace it with a new demo.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with report.progress("Writing the demo workbook", enabled=progress):
        facts = build_demo_workbook(path)
    with report.progress("Validating the demo workbook", enabled=progress):
        result = run_on_file(path, validate_job)
    result.command = "demo"
    return result, facts
