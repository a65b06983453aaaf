"""Importers: external files (EMA spreadsheets, ...) to canonical, fully cited Turtle."""
