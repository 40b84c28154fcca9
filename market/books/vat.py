"""The month's 增值税 summary read from the posted ledger (the arithmetic is :mod:`.vat_summary`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from models import Account, Period, Settlement, User, Voucher, VoucherLine, VoucherSource, VoucherStatus, db

from ..ledger import services as ledger
from ..units import Money
from . import vat_summary
from .common import require_reader
from .periods import Month

REVENUE = "5001"


@dataclass
class VatReport:
    month: Month
    period: Period | None
    summary: vat_summary.VatSummary


def _fen(value: Any) -> int:
    return Money(value or 0).fen


def _sale_key(settlement: Settlement | None) -> tuple[str, str]:
    if settlement is None:
        return (vat_summary.OTHER, "")
    if settlement.sale_vat_rate_pct is not None:
        return ("rate", f"{settlement.sale_vat_rate_pct:.2f}")
    if settlement.sale_vat_exempt_basis:
        return ("exempt", settlement.sale_vat_exempt_basis)
    return ("unseparated", "")


def _opening_fen(month: Month) -> int:
    """222101's balance (debit-positive, its whole subtree) over the posted vouchers before ``month``."""
    codes = dict(db.session.execute(select(Account.id, Account.code).where(Account.code.like("222101%"))).all())
    previous = month.previous()
    return sum(_fen(debit) - _fen(credit) for account_id, _t, _p, debit, credit
               in ledger.posted_totals(until_period=previous) if account_id in codes)


def vat_summary_of(actor: User, period: Any = None) -> VatReport:
    """增值税 summary of a month (default this month) from posted vouchers."""
    require_reader(actor)
    month = Month.parse(period) if period not in (None, "") else Month.current()
    found = month.period()
    lines: list[vat_summary.TaxLine] = []
    sales: list[vat_summary.Sale] = []
    if found is not None:
        rows = db.session.execute(
            select(Account.code, VoucherLine.debit, VoucherLine.credit, Voucher.id, Voucher.source, Voucher.source_id,
                   Voucher.idempotency_key)
            .join(Voucher, VoucherLine.voucher_id == Voucher.id).join(Account, VoucherLine.account_id == Account.id)
            .where(Voucher.status == VoucherStatus.POSTED, Voucher.period_id == found.id,
                   (Account.code.like("222101%")) | (Account.code == REVENUE))
            .order_by(Voucher.id, VoucherLine.line_no)).all()
        settlement_ids = {source_id for *_rest, source, source_id, _key in rows
                          if source is VoucherSource.SETTLEMENT and source_id}
        settlements = {s.id: s for s in db.session.scalars(select(Settlement).where(Settlement.id.in_(settlement_ids)))}
        # the vouchers that carry a settlement's sale (a credit to 5001)
        sale_vouchers = {voucher_id for code, _d, credit, voucher_id, source, _s, _k in rows
                         if code == REVENUE and source is VoucherSource.SETTLEMENT and _fen(credit)}
        for code, debit, credit, voucher_id, source, source_id, idempotency_key in rows:
            settlement = settlements.get(source_id) if source is VoucherSource.SETTLEMENT else None
            if code == REVENUE:
                if voucher_id in sale_vouchers and settlement is not None:
                    sales.append(vat_summary.Sale(_sale_key(settlement), _fen(credit) - _fen(debit)))
                continue
            bucket = vat_summary.bucket_of(code)
            if bucket is None:
                continue
            if bucket == vat_summary.OUTPUT:
                key = _sale_key(settlement) if voucher_id in sale_vouchers else (vat_summary.OTHER, "")
            elif bucket == vat_summary.INPUT and settlement is not None:
                # a settlement's costs voucher carries its freight and packing special invoices
                costs = (idempotency_key or "").endswith(":costs")
                key = (vat_summary.SPECIAL_INVOICES if costs else vat_summary.PURCHASE_INVOICES, "")
            else:
                key = (vat_summary.OTHER, "")
            lines.append(vat_summary.TaxLine(bucket, _fen(debit), _fen(credit), key))
    return VatReport(month=month, period=found, summary=vat_summary.summarize(lines, sales, _opening_fen(month)))
