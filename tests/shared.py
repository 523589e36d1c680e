"""Where the read-only shared material is: ../shared beside the checkout (as CI lays it out),
or the folder named by BACKOFFICE_SHARED."""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("BACKOFFICE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
CORPUS = SHARED / "corpus" / "excel-made"
