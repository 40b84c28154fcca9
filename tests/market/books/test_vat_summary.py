"""The month's 增值税 summary: read from the posted ledger, it agrees with the movements of 222101's
sub-accounts; tax payable never goes below zero, the rest is carried forward as 留抵."""
from __future__ import annotations

import io
import random
from datetime import date
from decimal import Decimal

from hypothesis import given, strategies as st
from openpyxl import load_workbook

from market.books import trial_balance, vat, vat_summary
from market.books.vat_summary import INPUT, OTHER, OUTPUT, PURCHASE_INVOICES, TRANSFER_OUT, TRANSFERRED, Sale, TaxLine
from market.ledger import services as ledger
from market.ledger.services import LineInput
from models import db


keys = st.sampled_from([("rate", "9.00"), ("rate", "13.00"), ("exempt", "蔬菜流通环节免税"), (OTHER, ""),
                        (PURCHASE_INVOICES, "")])
tax_lines = st.builds(TaxLine, bucket=st.sampled_from([INPUT, OUTPUT, TRANSFER_OUT, TRANSFERRED]),
                      debit_fen=st.integers(0, 10**9), credit_fen=st.integers(0, 10**9), key=keys)


@given(st.lists(tax_lines, max_size=30), st.integers(-10**9, 10**9))
def test_every_figure_is_its_accounts_movement_and_payable_and_carry_forward_never_both(lines, opening):
    summary = vat_summary.summarize(lines, [], opening)

    def movement(bucket, sign):
        return sum(sign * (l.debit_fen - l.credit_fen) for l in lines if l.bucket == bucket)

    assert summary.output_fen == movement(OUTPUT, -1)
    assert summary.input_fen == movement(INPUT, 1) == sum(summary.input_by_source.values())
    assert summary.transfer_out_fen == movement(TRANSFER_OUT, -1)
    assert summary.transferred_fen == movement(TRANSFERRED, 1)
    assert summary.output_fen == sum(r.tax_fen for r in summary.by_rate) + summary.other_output_fen
    assert summary.brought_forward_fen == max(0, opening)
    due = summary.output_fen - summary.input_fen + summary.transfer_out_fen - summary.brought_forward_fen
    assert summary.payable_fen - summary.carried_forward_fen == due
    assert summary.payable_fen >= 0 and summary.carried_forward_fen >= 0
    assert summary.payable_fen == 0 or summary.carried_forward_fen == 0


def test_sales_are_grouped_by_rate_and_exempt_basis():
    summary = vat_summary.summarize(
        [TaxLine(OUTPUT, 0, 376_547, ("rate", "9.00")), TaxLine(OUTPUT, 0, 100, ("rate", "9.00")),
         TaxLine(INPUT, 366_000, 0, (PURCHASE_INVOICES, "")), TaxLine(TRANSFER_OUT, 0, 1_000)],
        [Sale(("rate", "9.00"), 4_183_861), Sale(("rate", "9.00"), 1_111), Sale(("exempt", "蔬菜流通环节免税"), 50_000),
         Sale(("unseparated", ""), 7)], opening_fen=2_000)
    (nine,) = summary.by_rate
    assert (nine.rate_pct, nine.sales_fen, nine.tax_fen, nine.count) == (Decimal("9.00"), 4_184_972, 376_647, 2)
    assert [(r.basis, r.sales_fen) for r in summary.exempt] == [("蔬菜流通环节免税", 50_000)]
    assert summary.unseparated_fen == 7
    # 3,766.47 − 3,660.00 + 10.00 − 20.00 留抵 = 96.47
    assert (summary.payable_fen, summary.carried_forward_fen) == (9_647, 0)


def test_a_month_with_more_input_than_output_carries_the_credit_forward():
    summary = vat_summary.summarize([TaxLine(INPUT, 50_000, 0), TaxLine(OUTPUT, 0, 20_000, ("rate", "9.00"))], [], 0)
    assert (summary.payable_fen, summary.carried_forward_fen) == (0, 30_000)


# --- from the books -----------------------------------------------------------------------------------

def _movement(book, code: str) -> Decimal:
    row = next(r for r in book.rows if r.account.code == code)
    return row.debit - row.credit


def test_the_peach_month_shows_its_output_and_input_vat_as_the_ledger_has_them(all_posted, accountant):
    settlement = all_posted.settlement
    report = vat.vat_summary_of(accountant, "2026-08")
    s = report.summary
    (nine,) = s.by_rate
    assert yuan_of(nine.sales_fen) == settlement.sale_net and yuan_of(nine.tax_fen) == settlement.output_vat
    assert yuan_of(s.output_fen) == settlement.output_vat
    assert yuan_of(s.input_by_source[PURCHASE_INVOICES]) == settlement.input_vat == yuan_of(s.input_fen)
    book = trial_balance.trial_balance(accountant, "2026-08")
    assert yuan_of(s.output_fen) == -_movement(book, "22210102")
    assert yuan_of(s.input_fen) == _movement(book, "22210101")
    # the demo-sized sale owes more output VAT than its purchase invoices deduct
    assert yuan_of(s.payable_fen) == settlement.output_vat - settlement.input_vat > 0


def yuan_of(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))


def test_random_vouchers_on_the_vat_accounts_agree_with_their_movements(all_posted, accountant, reviewer):
    """Any posting on 2221's sub-accounts shows in the summary exactly as in the trial balance, month by month."""
    rng = random.Random(12)
    codes = ["22210101", "22210102", "22210103", "22210104", "222102"]
    for number in range(40):
        month = rng.choice([9, 10, 11])
        amount = f"{rng.randint(1, 500_000) / 100:.2f}"
        code = rng.choice(codes)
        debit = rng.random() < 0.5
        lines = [LineInput(code, debit=amount) if debit else LineInput(code, credit=amount),
                 LineInput("1002", credit=amount) if debit else LineInput("1002", debit=amount)]
        voucher = ledger.prepare_voucher(accountant, voucher_date=date(2026, month, rng.randint(1, 28)),
                                         summary=f"增值税 {number}", lines=lines, idempotency_key=f"vat-{number}")
        ledger.approve(reviewer, voucher)
        ledger.post(accountant, voucher)
    db.session.commit()
    for period in ("2026-08", "2026-09", "2026-10", "2026-11"):
        s = vat.vat_summary_of(accountant, period).summary
        book = trial_balance.trial_balance(accountant, period)
        assert yuan_of(s.input_fen) == _movement(book, "22210101")
        assert yuan_of(s.output_fen) == -_movement(book, "22210102")
        assert yuan_of(s.transfer_out_fen) == -_movement(book, "22210103")
        assert yuan_of(s.transferred_fen) == _movement(book, "22210104")
        opening = next(r for r in book.rows if r.account.code == "222101").opening
        assert yuan_of(s.brought_forward_fen) == max(Decimal(0), opening)


def test_the_page_api_and_xlsx_show_the_same_figures(client, login, all_posted, accountant):
    login(accountant)
    settlement = all_posted.settlement
    body = client.get("/api/v1/books/vat-summary?period=2026-08").get_json()
    assert body["period"] == "2026-08"
    assert body["sales_by_rate"] == [{"rate_pct": "9.00", "sales": f"{settlement.sale_net:.2f}",
                                      "tax": f"{settlement.output_vat:.2f}", "count": 1}]
    assert body["output_tax"] == f"{settlement.output_vat:.2f}"
    assert body["input_tax"]["purchase_invoices"] == f"{settlement.input_vat:.2f}"
    assert body["tax_payable"] == f"{settlement.output_vat - settlement.input_vat:.2f}"
    assert client.get("/api/v1/books/vat-summary?period=2026-13").status_code == 422
    page = client.get("/books/vat-summary?period=2026-08").get_data(as_text=True)
    assert "增值税" in page and f"{settlement.output_vat:,.2f}" in page and f"{settlement.sale_net:,.2f}" in page
    response = client.get("/books/vat-summary?period=2026-08&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    rate_row = next(row for row in values if row[1] == "适用税率 9%")
    assert Decimal(str(rate_row[2])) == settlement.sale_net and Decimal(str(rate_row[3])) == settlement.output_vat


def test_only_accountants_and_admins_read_it(client, login, coordinator):
    login(coordinator)
    assert client.get("/api/v1/books/vat-summary").status_code == 403
    assert client.get("/books/vat-summary").status_code == 403

