"""The trial balance's roll-up of sub-accounts, over random charts: every yuan counted once in the
totals, each parent's row its own lines plus its whole subtree's."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from market.books.trial_balance import TrialRow, roll_up

FEN = st.integers(min_value=-10**9, max_value=10**9).map(lambda fen: Decimal(fen).scaleb(-2))
POSITIVE = st.integers(min_value=0, max_value=10**9).map(lambda fen: Decimal(fen).scaleb(-2))


@st.composite
def charts(draw):
    """Codes in 小企业 numbering: a few first-level accounts, sub-accounts two digits longer, some
    parents missing (a chart whose parent account was never added)."""
    codes = set(draw(st.lists(st.sampled_from(["1001", "1002", "1122", "2221", "5601"]), min_size=1, unique=True)))
    for _ in range(draw(st.integers(0, 12))):
        base = draw(st.sampled_from(sorted(codes) + ["2221"]))
        if len(base) < 10:
            codes.add(base + draw(st.sampled_from(["01", "02", "03"])))
    return {code: (draw(FEN), draw(POSITIVE), draw(POSITIVE)) for code in codes}


@given(charts())
def test_the_roll_up_counts_every_yuan_once_and_each_parent_holds_its_subtree(chart):
    rows = [TrialRow(account=SimpleNamespace(code=code), opening=o, debit=d, credit=c)
            for code, (o, d, c) in sorted(chart.items())]
    rolled = {row.account.code: row for row in roll_up(rows)}
    for field, index in (("opening", 0), ("debit", 1), ("credit", 2)):
        top = sum((getattr(row, field) for row in rolled.values() if row.level == 0), Decimal(0))
        assert top == sum((figures[index] for figures in chart.values()), Decimal(0))
        for code, row in rolled.items():
            subtree = [figures[index] for other, figures in chart.items() if other.startswith(code)]
            assert getattr(row, field) == sum(subtree, Decimal(0))
    for code, row in rolled.items():
        parents = [code[:cut] for cut in range(4, len(code), 2) if code[:cut] in chart]
        assert row.level == len(parents)
        assert row.rolled_up == any(other != code and other.startswith(code) for other in chart)
