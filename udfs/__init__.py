"""Formula functions for Excel (xlwings UDFs)."""
