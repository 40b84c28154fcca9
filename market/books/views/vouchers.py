"""Pages of vouchers (记账凭证): the list, one voucher and its review, and a manual voucher (制单)."""
from __future__ import annotations

import uuid

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import PartyType, VoucherSource, VoucherStatus

from ...clock import local_today
from ...errors import MarketError
from ...pages import act, submit
from ...ledger import services as ledger
from ...weighing.forms import options
from .. import common, ledgers, printing, statements, tables, vouchers as book_vouchers
from ..forms import ActionForm, ReasonForm, VoucherForm
from .blueprint import bp
from .common import EXPORTS, can_prepare, can_review, month_arg, send_table


@bp.route("/books/vouchers")
@login_required
def vouchers():
    every = request.args.get("period") == "all"  # e.g. everything waiting for review, whatever its month
    month = month_arg()
    status = request.args.get("status") or None
    if status not in {s.value for s in VoucherStatus}:
        status = None
    if request.args.get("format") in EXPORTS:  # streamed from the database, never all in memory
        lines = book_vouchers.VoucherLines(current_user, None if every else month, status)
        return send_table(tables.voucher_list("all" if every else month, lines))
    items = book_vouchers.voucher_list(current_user, None if every else month, status)
    names = common.party_names((line.party_type, line.party_id) for v in items for line in v.lines)
    return render_template("books/vouchers.html", vouchers=items, days=_by_day(items), month=month, every=every,
                           status=status,
                           names=names, statuses=list(VoucherStatus), period=None if every else month.period(),
                           total=book_vouchers.voucher_total)


def _by_day(items) -> list[dict]:
    """The vouchers grouped by their date, newest day first, each day with its count and total."""
    days: dict = {}
    for voucher in items:
        days.setdefault(voucher.voucher_date, []).append(voucher)
    return [{"day": day, "vouchers": group, "total": sum(book_vouchers.voucher_total(v) for v in group)}
            for day, group in sorted(days.items(), key=lambda item: item[0], reverse=True)]


def _source_url(voucher) -> str | None:
    """Where the voucher came from: its settlement, payment or the voucher it reverses."""
    if voucher.source in (VoucherSource.REVERSAL, VoucherSource.CLOSING) and voucher.reverses_id:
        return url_for("books.voucher", voucher_id=voucher.reverses_id)
    if voucher.source is VoucherSource.CLOSING:
        return url_for("books.periods")
    if voucher.source_id is None:
        return None
    candidates = {VoucherSource.SETTLEMENT: ("settlements.show_settlement", "settlement_id"),
                  VoucherSource.PAYMENT: ("payments.show_payment", "payment_id"),
                  VoucherSource.INPUT_CREDIT: ("input_credits.input_credits", None),
                  VoucherSource.DEPOSIT: ("deposits.deposits_page", None)}
    endpoint, arg = candidates.get(voucher.source, (None, None))
    if endpoint in current_app.view_functions:  # the settlement pages may not be installed
        return url_for(endpoint, **({arg: voucher.source_id} if arg else {}))
    return None


@bp.route("/books/vouchers/<int:voucher_id>")
@login_required
def voucher(voucher_id: int):
    found = book_vouchers.get_voucher(current_user, voucher_id)
    return _voucher_page(found, ReasonForm(prefix="reject"), ReasonForm(prefix="reverse"))


def _voucher_page(found, reject_form, reverse_form, status: int = 200):
    names = common.party_names((line.party_type, line.party_id) for line in found.lines)
    reviewer = can_review()
    generated = ledger.is_generated(found)  # changed only through its settlement or payment
    return render_template(
        "books/voucher.html", voucher=found, names=names, total=book_vouchers.voucher_total(found),
        reversal=book_vouchers.reversal_of(found), source_url=_source_url(found), action=ActionForm(),
        reject_form=reject_form, reverse_form=reverse_form, reviewer=reviewer,
        can_approve=reviewer and found.status is VoucherStatus.PREPARED and found.prepared_by_id != current_user.id,
        generated=generated,
        can_reject=reviewer and not generated and found.status in (VoucherStatus.PREPARED, VoucherStatus.APPROVED),
        can_post=reviewer and found.status is VoucherStatus.APPROVED,
        # a carry-forward is reversed by reopening its period (反结账), not by hand
        can_reverse=(reviewer and not generated and found.source is not VoucherSource.CLOSING
                     and found.status is VoucherStatus.POSTED and found.reverses_id is None
                     and book_vouchers.reversal_of(found) is None)), status


def _act(voucher_id: int, action, success: str):
    found = book_vouchers.get_voucher(current_user, voucher_id)
    return act(lambda: action(found), done=success,
               then=lambda result: url_for("books.voucher", voucher_id=getattr(result, "id", voucher_id)),
               back=url_for("books.voucher", voucher_id=voucher_id))


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF shown inline (the browser's viewer prints it as drawn), named for saving."""
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def _print_error(exc: MarketError):
    flash(exc.text(), "error")
    return redirect(url_for("books.vouchers", period=request.args.get("period") or None,
                            status=request.args.get("status") or None))


@bp.route("/books/vouchers/<int:voucher_id>.pdf")
@login_required
def voucher_pdf(voucher_id: int):
    """The voucher on paper (记账凭证, five lines a sheet), ``?paper=voucher|a4``."""
    found = book_vouchers.get_voucher(current_user, voucher_id)
    try:
        pdf = printing.voucher_pdf(current_user, found, printing.paper_choice(request.args.get("paper")))
    except MarketError as exc:
        return _print_error(exc)
    return pdf_response(pdf, f"voucher-{found.period}-{found.number or 'draft-' + str(found.id)}.pdf")


@bp.route("/books/vouchers.pdf")
@login_required
def vouchers_pdf():
    """A period's vouchers on paper, ``?period=YYYY-MM&status=posted&paper=voucher|a4``."""
    common.require_reader(current_user)
    period = request.args.get("period") or str(month_arg())  # a bad month is refused, not replaced
    try:
        pdf = printing.period_pdf(current_user, period, request.args.get("status") or None,
                                  printing.paper_choice(request.args.get("paper")))
    except MarketError as exc:
        return _print_error(exc)
    return pdf_response(pdf, f"vouchers-{period}.pdf")


@bp.route("/books/vouchers/<int:voucher_id>/approve", methods=["POST"])
@login_required
def approve_voucher(voucher_id: int):
    if not can_review():  # the role before the form
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(voucher_id, lambda v: ledger.approve(current_user, v), _("Voucher approved."))


@bp.route("/books/vouchers/<int:voucher_id>/post", methods=["POST"])
@login_required
def post_voucher(voucher_id: int):
    if not can_review():  # the role before the form
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(voucher_id, lambda v: ledger.post(current_user, v), _("Voucher posted."))


@bp.route("/books/vouchers/<int:voucher_id>/reject", methods=["POST"])
@login_required
def reject_voucher(voucher_id: int):
    if not can_review():  # the role before the form
        abort(403)
    form = ReasonForm(prefix="reject")
    if not form.validate_on_submit():
        found = book_vouchers.get_voucher(current_user, voucher_id)
        return _voucher_page(found, form, ReasonForm(prefix="reverse"), 422)
    return _act(voucher_id, lambda v: ledger.reject(current_user, v, form.reason.data), _("Voucher rejected."))


@bp.route("/books/vouchers/<int:voucher_id>/reverse", methods=["POST"])
@login_required
def reverse_voucher(voucher_id: int):
    if not can_review():  # the role before the form
        abort(403)
    form = ReasonForm(prefix="reverse")
    if not form.validate_on_submit():
        found = book_vouchers.get_voucher(current_user, voucher_id)
        return _voucher_page(found, ReasonForm(prefix="reject"), form, 422)
    return _act(voucher_id, lambda v: ledger.reverse(current_user, v, reason=form.reason.data,
                                                     voucher_date=local_today(),
                                                     idempotency_key=ledger.reversal_key(v)),
                _("Reversal (红字) prepared; it goes through review like any voucher."))


def _party_choices():
    households = statements.households(current_user)
    buyers = statements.buyers(current_user)
    return options([("", _("No party"))] + [(f"household:{h.id}", f"{_('Household')} · {h.head_name}")
                                             for h in households]
                   + [(f"buyer:{b.id}", f"{_('Buyer')} · {b.name}") for b in buyers])


@bp.route("/books/vouchers/new", methods=["GET", "POST"])
@login_required
def new_voucher():
    if not can_prepare():
        abort(403)
    form = VoucherForm()
    account_choices = options([("", "—")] + [(a.code, f"{a.code} {a.name}") for a in ledgers.accounts(current_user)
                                             if a.active])
    parties = _party_choices()
    for entry in form.lines:
        entry.account.choices = account_choices
        entry.party.choices = parties
    if request.method == "GET":
        form.voucher_date.data = local_today()
        form.key.data = uuid.uuid4().hex

    def prepare():
        lines = []
        for entry in form.lines:
            if not (entry.account.data or (entry.debit.data or "").strip() or (entry.credit.data or "").strip()):
                continue
            party_type, _sep, party_id = (entry.party.data or "").partition(":")
            lines.append(ledger.LineInput(entry.account.data or "", debit=(entry.debit.data or "").strip() or 0,
                                          credit=(entry.credit.data or "").strip() or 0,
                                          party_type=party_type or PartyType.NONE,
                                          party_id=int(party_id) if party_id.isdigit() else None,
                                          memo=entry.memo.data or ""))
        return ledger.prepare_voucher(current_user, voucher_date=form.voucher_date.data,
                                      summary=form.summary.data, lines=lines,
                                      idempotency_key=f"manual:{form.key.data or uuid.uuid4().hex}",
                                      attachments=form.attachments.data or 0)

    outcome = submit(form, prepare, done=_("Voucher prepared; another accountant approves it."),
                     then=lambda created: url_for("books.voucher", voucher_id=created.id))
    return outcome.response or (render_template("books/voucher_form.html", form=form), outcome.status)
