"""The tool-owned output sheets: one builder per sheet, from engine results to an OutputSheet."""
