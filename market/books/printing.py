"""Vouchers printed by the server as PDF (WeasyPrint), so a voucher prints the same from any browser.

Reads a voucher into :class:`~market.books.paper.PaperVoucher` (names of the people who signed,
总账/明细 accounts, parties), cuts it into sheets with :func:`~market.books.paper.paginate` and
renders the sheets through one template. Paper: ``voucher`` (241×140 mm 凭证纸, one sheet a page) or
``a4`` (two sheets to an A4 page, cut in half); ``VOUCHER_PAPER`` sets the default.

Fonts: the Chinese glyphs come from a CJK font found by fontconfig (Debian ``fonts-noto-cjk``;
``fonts-wqy-microhei`` also works); WeasyPrint embeds the glyphs used into the PDF.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Account, Payment, RoleName, Role, User, Voucher, VoucherSource, db

from ..errors import ValidationFailed
from ..units import Money, format_money
from . import paper
from .common import party_names, require_reader
from .vouchers import VOUCHER_WORD, voucher_list

PAPERS = ("voucher", "a4")


def paper_choice(value: Any) -> str:
    """The paper asked for (``voucher`` or ``a4``), else the configured default."""
    if value in (None, ""):
        value = current_app.config.get("VOUCHER_PAPER", "voucher")
    if value not in PAPERS:
        raise ValidationFailed(_l("Paper is voucher (241×140 mm) or a4."), field="paper")
    return value


def chief_accountant() -> str:
    """会计主管: the configured name, else the active users holding a chief accountant's role if the
    roles know one (names joined), else blank for a hand signature."""
    configured = current_app.config.get("VOUCHER_CHIEF_ACCOUNTANT", "")
    if configured:
        return configured
    chief = getattr(RoleName, "CHIEF_ACCOUNTANT", None)
    if chief is None:
        return ""
    names = db.session.scalars(select(User.name).join(User.roles).where(Role.name == chief,
                                                                        User.is_active_flag.is_(True))
                               .order_by(User.id))
    return "、".join(names)


def _cashier(voucher: Voucher) -> str:
    """出纳: who recorded the receipt or payout a payment's voucher books."""
    if voucher.source is not VoucherSource.PAYMENT:
        return ""
    return db.session.scalar(select(User.name).join(Payment, Payment.created_by_id == User.id)
                             .where(Payment.voucher_id == voucher.id)) or ""


def _ledger_names(vouchers: Iterable[Voucher]) -> dict[str, str]:
    """Names of the accounts above the sub-accounts these vouchers use: the 总账科目 (four digits)
    and every level between it and the sub-account (222101 above 22210101)."""
    wanted = {code[:length] for v in vouchers for line in v.lines for code in [line.account.code]
              for length in range(4, len(code), 2)}
    if not wanted:
        return {}
    return dict(db.session.execute(select(Account.code, Account.name).where(Account.code.in_(wanted))).all())


def paper_voucher(voucher: Voucher, names: dict, ledger_names: dict[str, str], chief: str) -> paper.PaperVoucher:
    lines = []
    for line in voucher.lines:
        account = line.account
        general, detail = paper.ledger_and_detail(account.code, account.name, ledger_names.get(account.code[:4]))
        between = [ledger_names[account.code[:n]] for n in range(6, len(account.code), 2)
                   if account.code[:n] in ledger_names]
        if between and detail:  # 22210101: 应交税费 / 应交增值税—进项税额
            detail = "—".join([*between, detail])
        if line.party_id:  # 辅助核算: the party is the 明细
            party = line.party_name or names.get((line.party_type.value, line.party_id), f"#{line.party_id}")
            detail = f"{detail} · {party}" if detail else party
        lines.append(paper.PaperLine(summary=line.memo or voucher.summary, account=general, detail=detail,
                                     debit=Money(line.debit), credit=Money(line.credit)))
    return paper.PaperVoucher(
        word=VOUCHER_WORD, number=voucher.number, day=voucher.voucher_date, attachments=voucher.attachments or 0,
        lines=tuple(lines), chief=chief, poster=voucher.posted_by.name if voucher.posted_by else "",
        approver=voucher.approved_by.name if voucher.approved_by else "", cashier=_cashier(voucher),
        preparer=voucher.prepared_by.name if voucher.prepared_by else "", red=voucher.reverses_id is not None)


def sheets(vouchers: list[Voucher]) -> list[paper.PaperPage]:
    """Every sheet of these vouchers, voucher after voucher."""
    names = party_names((line.party_type, line.party_id) for v in vouchers for line in v.lines)
    parents = _ledger_names(vouchers)
    chief = chief_accountant()
    per_page = int(current_app.config.get("VOUCHER_LINES_PER_PAGE", paper.LINES_PER_PAGE))
    return [page for v in vouchers for page in paper.paginate(paper_voucher(v, names, parents, chief), per_page)]


def _money(amount: Money, always: bool = False) -> str:
    """An amount as the paper shows it: 10,261.38, blank when zero (except in the 合计 row)."""
    return format_money(amount, symbol=False) if amount or always else ""


def render_pdf(pages: list[paper.PaperPage], paper_name: str, title: str) -> bytes:
    from weasyprint import HTML  # imported when printing: it loads pango

    # the form itself is the statutory Chinese one (like the 大写 amount), whatever the reader's language
    html = render_template("books/voucher_print.html", pages=pages, paper=paper_name, title=title,
                           label=paper.label, money=_money)
    return HTML(string=html).write_pdf()


def voucher_pdf(actor: User, voucher: Voucher, paper_name: str) -> bytes:
    require_reader(actor)
    pages = sheets([voucher])
    return render_pdf(pages, paper_name, paper.label(pages[0].voucher))


def period_pdf(actor: User, period: Any, status: Any, paper_name: str) -> bytes:
    """A period's vouchers (of a status, posted ones in number order first), one after another."""
    found = voucher_list(actor, period, status)
    if not found:
        raise ValidationFailed(_l("No voucher of this period and status to print."), field="period")
    limit = int(current_app.config.get("VOUCHER_PRINT_MAX", 2000))
    if len(found) > limit:
        raise ValidationFailed(_l("Too many vouchers to print at once (at most %(limit)s); print by status.",
                                  limit=limit), field="period")
    return render_pdf(sheets(found), paper_name, f"{period}")
