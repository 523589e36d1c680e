"""The functional core: pure rules over tables. No files, no Excel, no clock."""
