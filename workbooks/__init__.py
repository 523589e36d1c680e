"""The edge: everything that reads or writes a workbook."""
