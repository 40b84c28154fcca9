"""Each book as a table for export: a Chinese header, rows generated one at a time, a totals row.

The column headers are the ones a Chinese accountant's forms use, whatever the page language.
The account ledger and the voucher list read their rows from the database while they are written
(their totals row is then a function, called after the last row): memory does not grow with them.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Sequence

from .. import labels
from ..units import Money
from ..payments.applying import BUCKETS
from .ageing import Ageing
from .exports import weight
from .ledgers import LedgerLines, LedgerRange
from .period_reports import BalanceSheetReport, IncomeStatementReport, Journal, PartyBalances
from .periods import Month
from .statements import BuyerStatement, HouseholdStatement
from .trial_balance import TrialBalance
from .vat import VatReport
from .vouchers import VoucherLines

BUCKET_NAMES = {"current": "未到期", "1-30": "逾期1-30天", "31-60": "逾期31-60天", "61-90": "逾期61-90天",
                "over_90": "逾期90天以上"}


@dataclass
class Table:
    filename: str
    sheet: str
    title: str
    header: Sequence[str]
    rows: Callable[[], Iterable[Sequence[Any]]]
    #: the totals row, or a function giving it once ``rows()`` has been read to its end
    totals: Sequence[Any] | Callable[[], Sequence[Any]] | None = None


def trial_balance(book: TrialBalance) -> Table:
    def rows() -> Iterator[Sequence[Any]]:
        for row in book.rows:  # a parent's row sums its sub-accounts; the totals add the first level only
            yield (row.account.code, "　" * row.level + row.account.name, row.opening_debit, row.opening_credit, row.debit, row.credit,
                   row.closing_debit, row.closing_credit)

    t = book.totals
    return Table(f"科目余额表_{book.month}", "科目余额表", f"科目余额表 {book.month}",
                 ("科目编码", "科目名称", "期初借方", "期初贷方", "本期借方", "本期贷方", "期末借方", "期末贷方"), rows,
                 ("合计", "", t["opening_debit"], t["opening_credit"], t["debit"], t["credit"], t["closing_debit"],
                  t["closing_credit"]))


def vat_summary(report: VatReport) -> Table:
    """The 增值税 summary as the lines an accountant copies into the return (元)."""
    summary = report.summary

    def y(fen: int) -> Decimal:
        return Money.from_fen(fen).yuan

    def rows() -> Iterator[Sequence[Any]]:
        for row in summary.by_rate:
            yield ("一、销项", f"适用税率 {row.rate_pct.normalize():f}%", y(row.sales_fen), y(row.tax_fen), "")
        for row in summary.exempt:
            yield ("一、销项", "免税销售额", y(row.sales_fen), None, row.basis)
        if summary.unseparated_fen:
            yield ("一、销项", "未价税分离的销售（记账在前）", y(summary.unseparated_fen), None, "")
        if summary.other_output_fen:
            yield ("一、销项", "其他凭证的销项税额", None, y(summary.other_output_fen), "")
        yield ("一、销项", "销项税额合计", y(summary.taxable_sales_fen), y(summary.output_fen), "22210102")
        yield ("二、进项", "农产品收购发票计算抵扣", None, y(summary.input_by_source["purchase_invoices"]), "")
        yield ("二、进项", "增值税专用发票（运费、包装）", None, y(summary.input_by_source["special_invoices"]), "")
        yield ("二、进项", "其他凭证", None, y(summary.input_by_source["other"]), "")
        yield ("二、进项", "进项税额合计", None, y(summary.input_fen), "22210101")
        yield ("三、转出", "进项税额转出", None, y(summary.transfer_out_fen), "22210103")
        yield ("四、计算", "上期留抵税额", None, y(summary.brought_forward_fen), "")
        yield ("四、计算", "应纳税额", None, y(summary.payable_fen), "销项−进项+转出−上期留抵，不小于零")
        yield ("四、计算", "期末留抵税额", None, y(summary.carried_forward_fen), "")
        yield ("四、计算", "本月已转出未交增值税", None, y(summary.transferred_fen), "22210104")

    return Table(f"增值税汇总表_{report.month}", "增值税汇总表", f"增值税汇总表 {report.month}",
                 ("栏次", "项目", "销售额", "税额", "说明"), rows)


def account_ledger(book: LedgerRange) -> Table:
    """The 明细账 streamed from the database: the running balance and the totals are computed as the
    lines go by (a page's :class:`.ledgers.AccountLedger` works too: only its range is used)."""
    lines = LedgerLines(book)

    def rows() -> Iterator[Sequence[Any]]:
        yield (book.start.first_day, "", "期初余额", "", None, None, book.opening_side, abs(book.opening))
        for line in lines:
            yield (line.day, line.voucher, line.summary, line.party, line.debit or None, line.credit or None,
                   line.side, abs(line.balance))

    def totals() -> Sequence[Any]:
        return ("", "", "本期合计", "", lines.debit, lines.credit, lines.closing_side, abs(lines.closing))

    party = f"_{book.party}" if book.party else ""
    return Table(f"明细账_{book.account.code}{party}_{book.start}_{book.end}", "明细账",
                 f"明细账 {book.account} {book.party} {book.start}—{book.end}",
                 ("日期", "凭证号", "摘要", "往来单位", "借方", "贷方", "借或贷", "余额"), rows, totals)


def household_statement(statement: HouseholdStatement) -> Table:
    def rows() -> Iterator[Sequence[Any]]:
        yield (statement.start, "期初欠款", "", "", None, None, None, None, None, statement.opening)
        for row in statement.deliveries:
            yield (row.day, "交售结算", row.settlement_number, row.slip_serials, row.grade, weight(row.field_kg),
                   weight(row.payable_kg), row.price, row.amount, None)
        for row in statement.corrections:
            yield (row.day, "价格更正", row.number, row.invoice_number, row.grade, None, None, row.new_price, row.amount,
                   None)
        for row in statement.deductions:
            yield (row.day, "扣回预付款/农资", row.settlement_number, "", "", None, None, None, -row.total, None)
        for row in statement.payments:
            yield (row.day, f"付款（{labels.label(row.method)}）", row.number, row.reference, "", None, None, None,
                   -row.amount, None)
        for row in statement.pending:
            yield (row.day, "已过磅未结算", "", row.serial, row.grades, weight(row.net_kg), None, None, None, None)
        # as of today, apart from the totals: what the next settlements take back
        if statement.advances_to_set_off:
            yield (None, "待扣回预付款及定金", "", "", "", None, None, None, statement.advances_to_set_off, None)
        if statement.credit_to_set_off:
            yield (None, "待扣回赊销农资款", "", "", "", None, None, None, statement.credit_to_set_off, None)

    household = statement.household
    return Table(f"对账单_{household.head_name}_{statement.start}_{statement.end}", "对账单",
                 f"对账单 {household.head_name} {statement.start}—{statement.end}",
                 ("日期", "项目", "单号", "过磅单", "等级", "田间重量(公斤)", "结算重量(公斤)", "单价(元/公斤)", "金额",
                  "余额"), rows,
                 ("", "期末欠款", "", "", "", None, weight(statement.delivered_kg), None,
                  statement.delivered + statement.corrected - statement.deducted - statement.paid, statement.closing))


def buyer_statement(statement: BuyerStatement) -> Table:
    def rows() -> Iterator[Sequence[Any]]:
        for row in statement.rows:
            yield (row.settlement.number, row.settlement.order.number if row.settlement.order else "", row.day,
                   row.due_on, row.amount, row.received, row.outstanding, row.days_overdue,
                   BUCKET_NAMES[row.bucket])
        for allowance in statement.allowances:
            yield (allowance.number, "销售折让", allowance.day, None, -allowance.amount, None, None, None,
                   allowance.reference)
        for receipt in statement.receipts:
            yield (receipt.number, f"收款（{labels.label(receipt.method)}）", receipt.day, None, None, receipt.amount,
                   None, None, receipt.reference)

    return Table(f"客户对账单_{statement.buyer.name}_{statement.as_of}", "客户对账单",
                 f"客户对账单 {statement.buyer.name} 截至 {statement.as_of}",
                 ("结算单", "订单", "结算日期", "到期日", "应收金额", "已收", "未收", "逾期天数", "账龄"), rows,
                 ("合计", "", None, None, statement.amount - statement.allowed, statement.received,
                  statement.outstanding, None, ""))


def ageing(report: Ageing) -> Table:
    labels_in_order = [label for label, *_ in BUCKETS]

    def rows() -> Iterator[Sequence[Any]]:
        for row in report.rows:
            yield (row.buyer.name, *[row.buckets[label] for label in labels_in_order], row.total)

    totals = report.totals
    return Table(f"应收账款账龄_{report.as_of}", "账龄分析", f"应收账款账龄分析 截至 {report.as_of}",
                 ("客户", *[BUCKET_NAMES[label] for label in labels_in_order], "合计"), rows,
                 ("合计", *[totals[label] for label in labels_in_order], report.total))


def voucher_list(month: Month | str, lines: VoucherLines) -> Table:
    """Every line of the listed vouchers, streamed from the database; totals computed on the way."""
    def rows() -> Iterator[Sequence[Any]]:
        status_labels: dict[Any, str] = {}
        for line in lines:
            if line.status not in status_labels:
                status_labels[line.status] = labels.label(line.status)
            yield (line.day, line.number, line.summary, line.account, line.party, line.debit or None,
                   line.credit or None, status_labels[line.status], line.prepared_by, line.approved_by,
                   line.posted_by)

    def totals() -> Sequence[Any]:
        return ("合计", "", "", "", "", lines.debit, lines.credit, "", "", "", "")

    return Table(f"凭证列表_{month}", "凭证列表", f"凭证列表 {month}",
                 ("日期", "凭证号", "摘要", "科目", "往来单位", "借方", "贷方", "状态", "制单", "审核", "记账"), rows,
                 totals)


def _yuan(fen: int) -> Decimal:
    return Money.from_fen(fen).yuan


def income_statement(report: IncomeStatementReport) -> Table:
    """利润表 (会小企02): 项目, 行次, 本年累计金额, 本月金额, as the form has them."""
    def rows() -> Iterator[Sequence[Any]]:
        for line in report.statement.lines:
            yield (("　　" if line.indent == 1 else "") + line.name, line.row, _yuan(line.previous), _yuan(line.current))

    return Table(f"利润表_{report.month}", "利润表", f"利润表（会小企02表） {report.month.year}年{report.month.month}月",
                 ("项目", "行次", "本年累计金额", "本月金额"), rows)


def balance_sheet(report: BalanceSheetReport) -> Table:
    """资产负债表 (会小企01): assets left, liabilities and equity right, 期末余额 and 年初余额 each."""
    sheet = report.sheet

    def rows() -> Iterator[Sequence[Any]]:
        # as on the form: 负债和所有者权益总计 (53) on the last row, beside 资产总计 (30)
        left = list(sheet.assets)
        right: list[Any] = list(sheet.liabilities[:-1])
        right += [None] * (len(left) - 1 - len(right)) + [sheet.liabilities[-1]]
        for index in range(len(left)):
            cells: list[Any] = []
            for side in (left, right):
                line = side[index]
                if line is not None:
                    name = (line.section + " " if line.section else "") + ("　　" if line.indent == 1 else "") + line.name
                    cells += [name, line.row, _yuan(line.current), _yuan(line.previous)]
                else:
                    cells += ["", None, None, None]
            yield tuple(cells)

    return Table(f"资产负债表_{report.month}", "资产负债表", f"资产负债表（会小企01表） {report.as_of}",
                 ("资产", "行次", "期末余额", "年初余额", "负债和所有者权益", "行次", "期末余额", "年初余额"), rows)


def journal(book: Journal) -> Table:
    """现金日记账 / 银行存款日记账: 期初, each line with its running balance, 本日合计 after each day, 本月合计."""
    def rows() -> Iterator[Sequence[Any]]:
        yield (book.month.first_day, "", "期初余额", "", None, None, book.opening)
        for day in book.days:
            for entry in day.entries:
                yield (entry.day, entry.number, entry.summary, entry.counterpart, entry.debit or None,
                       entry.credit or None, entry.balance)
            yield (day.day, "", "本日合计", "", day.debit, day.credit, day.balance)

    return Table(f"{book.title}_{book.account.code}_{book.month}", book.title,
                 f"{book.title} {book.account} {book.month}",
                 ("日期", "凭证号", "摘要", "对方科目", "借方（收入）", "贷方（支出）", "余额"), rows,
                 ("", "", "本月合计", "", book.debit, book.credit, book.closing))


def party_balances(report: PartyBalances) -> Table:
    """辅助核算余额表: per party and account, 期初, 本期借方/贷方, 期末 (借/贷 with the amount)."""
    kind = {"household": "农户", "supplier": "供应商"}.get(report.party_type.value, "客户")

    def rows() -> Iterator[Sequence[Any]]:
        for row in report.rows:
            yield (row.party, row.account.code, row.account.name, row.opening_side, abs(row.opening), row.debit,
                   row.credit, row.closing_side, abs(row.closing))

    return Table(f"辅助核算余额表_{kind}_{report.month}", "辅助核算余额表", f"辅助核算余额表（{kind}） {report.month}",
                 (kind, "科目编码", "科目名称", "期初方向", "期初余额", "本期借方", "本期贷方", "期末方向", "期末余额"), rows,
                 ("合计", "", "", "", None, report.total("debit"), report.total("credit"), "", None))
