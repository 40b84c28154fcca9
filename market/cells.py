"""Text bound for a spreadsheet: a cell that begins like a formula is made plain text.

Names, memos and summaries are typed by people; a household named ``=HYPERLINK(...)`` must reach
the bank file and the ledger download as that text, never as a live formula (CSV injection). CSV
cells are prefixed with an apostrophe, as spreadsheet programs expect; XLSX cells are typed as
strings, so the text stays exactly as recorded.
"""
from __future__ import annotations

#: what makes Excel, LibreOffice or WPS read a cell as a formula (or split it)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(text: str) -> bool:
    return bool(text) and text.startswith(FORMULA_STARTS)


def csv_text(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet evaluates."""
    return "'" + text if is_formula_like(text) else text
