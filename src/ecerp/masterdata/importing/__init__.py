"""Spreadsheet import of master data: read xlsx/csv, dry run with row-level problems, all-or-nothing commit."""
