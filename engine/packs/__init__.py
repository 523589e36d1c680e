"""Payroll rules packs shipped as data (one JSON file per pack), loaded by engine.payroll_rules."""
