"""Business actions of weigh slips (过磅单): issue, void, re-issue; and who may read which.

A confirmed slip is never edited. A wrong slip is voided with a reason and a new one is
issued that points at it (``replaces_id``); both stay visible. There is deliberately no
update action.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Mapping, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from models import (DeductionKind, Grade, GradeTable, Household, PurchaseContract, RoleName, Settlement,
                    SettlementStatus, SlipStatus, User, Variety, WeighSlip, WeighSlipLine, db, settlement_slips, utcnow)

from .. import audit, hooks
from ..auth.permissions import require_household_access, require_role, visible_household_id
from ..contracts import services as contract_services
from ..contracts.pricing import PriceDecision, line_amount
from ..contracts.states import ACCEPTS_DELIVERIES
from ..errors import Conflict, InvalidTransition, MarketError, NotFound, ValidationFailed
from ..states import StateMachine
from ..units import Unit, UnitError, Weight, format_number, parse_unit, price_per_kg
from . import slips
from .slips import SlipError

#: who may weigh and correct: the weigher is the actor
WEIGHERS = (RoleName.COORDINATOR, RoleName.ADMIN)
#: a slip may be dated a little ahead of the server's clock (phones drift), no more
FUTURE_GRACE = timedelta(minutes=10)
SERIAL_ATTEMPTS = 5
SPLIT_MODES = ("kg", "percent")
SLIP = StateMachine("weigh_slip", {(SlipStatus.CONFIRMED, "void"): SlipStatus.VOID})

SLIP_FIELDS = ("serial", "weighed_at", "weigher_id", "household_id", "contract_id", "variety_id", "plate",
               "crates", "gross_kg", "tare_kg", "deduction_kind", "deduction_value", "deduction_kg", "net_kg",
               "amount", "status", "replaces_id", "note", "allocation_id")

_MESSAGES = {
    "empty": _l("Enter a weight."),
    "not_a_number": _l("Enter a number, e.g. 150 or 150.5."),
    "unknown_unit": _l("Use 斤, 公斤 or 吨."),
    "negative": _l("Negative numbers are not allowed."),
    "finer_than_gram": _l("Weigh to the gram at most (three decimals in 公斤)."),
    "not_positive": _l("Enter a gross weight above zero."),
    "too_heavy": _l("More than %(limit)s kg cannot be one weighing; check the number."),
    "too_many": _l("At most %(limit)s crates on one slip."),
    "tare_not_below_gross": _l("The tare must be less than the gross weight."),
    "value_without_kind": _l("Choose how to deduct, or leave the deduction at 0."),
    "percent_over_100": _l("A percentage deduction cannot exceed 100."),
    "too_many_places": _l("Use at most three decimals."),
    "crates_needed": _l("Enter the number of crates for a per-crate deduction."),
    "net_not_positive": _l("Nothing would be left after the deduction: the net must be above zero."),
    "no_grades": _l("Enter the weight of at least one grade."),
    "grade_twice": _l("Each grade may appear only once."),
    "part_not_positive": _l("Each grade's share must be above zero."),
    "split_not_net": _l("The grades add up to %(total)s kg but the net is %(net)s kg (difference %(difference)s kg)."),
    "percent_not_100": _l("The percentages add up to %(total)s, not 100."),
}


def slip_error(exc: SlipError) -> ValidationFailed:
    """The pure module's refusal as a translated form/API error on the same field."""
    params = {k: format_number(v) if isinstance(v, Decimal) else str(v) for k, v in exc.params.items()}
    return ValidationFailed(_MESSAGES.get(exc.code, _l("Some fields are not valid.")), field=exc.field, **params)


# --- input ----------------------------------------------------------------------------

@dataclass(frozen=True)
class GradePart:
    """One row of the grade split as entered: the grade and its kilograms or percentage,
    and for a spot purchase the unit price (in the slip's price unit)."""

    grade_id: int
    amount: str | Decimal | Weight
    unit_price: str | Decimal | None = None


@dataclass(frozen=True)
class SlipInput:
    """What a weigher enters for one slip, written once: the page's form, the API's body, the demo
    and a re-issue (:func:`values_of`) each build one, and :func:`issue_slip` judges it.

    ``gross``, ``tare``, fixed or per-crate deductions and kilogram splits are weights as typed
    ("300", "300斤", "1.2吨"), bare numbers in ``unit``; spot prices are per ``price_unit``.
    """

    household_id: Any
    variety_id: Any
    gross: Any
    tare: Any = "0"
    grade_split: Sequence[GradePart | Mapping[str, Any]] = ()
    contract_id: Any = None
    weighed_at: datetime | None = None
    plate: str = ""
    crates: Any = 0
    unit: Unit | str = Unit.KG
    deduction_kind: DeductionKind | str = DeductionKind.NONE
    deduction_value: Any = None
    split_mode: str = "kg"
    price_unit: Unit | str = Unit.KG
    note: str = ""
    #: a buyer order's allocation line the delivery is collected for
    allocation_id: Any = None


def _to_part(row: GradePart | Mapping[str, Any]) -> GradePart:
    if isinstance(row, GradePart):
        return row
    amount = row.get("amount")
    if amount is None:
        amount = row.get("kg") if row.get("kg") is not None else row.get("percent")
    return GradePart(grade_id=row.get("grade_id"), amount=amount, unit_price=row.get("unit_price"))


def _unit(value: Unit | str, field: str) -> Unit:
    try:
        return parse_unit(value)
    except UnitError:
        raise ValidationFailed(_l("Use 斤, 公斤 or 吨."), field=field) from None


def _deduction_value(kind: DeductionKind, value: Any, unit: Unit) -> Decimal:
    """Percent as a number; fixed and per-crate deductions as kilograms (typed in ``unit``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    if kind in (DeductionKind.FIXED, DeductionKind.PER_UNIT):
        return slips.parse_weight(value, unit, "deduction_value").kg
    return slips.parse_decimal(value, "deduction_value")


def _local_moment(weighed_at: datetime | None) -> datetime:
    if weighed_at is None:
        return utcnow()
    if weighed_at.tzinfo is None:  # a form's datetime-local is the weigher's wall clock
        weighed_at = weighed_at.replace(tzinfo=slips.LOCAL_ZONE)
    if weighed_at > utcnow() + FUTURE_GRACE:
        raise ValidationFailed(_l("The weighing time is in the future."), field="weighed_at")
    return weighed_at.astimezone(timezone.utc)


def _get(model: type, ident: Any, field: str, message) -> Any:
    if ident is None or isinstance(ident, bool):
        raise ValidationFailed(message, field=field)
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        raise ValidationFailed(message, field=field) from None
    found = db.session.get(model, ident)
    if found is None:
        raise ValidationFailed(message, field=field)
    return found


def _grades_allowed(variety: Variety, contract: PurchaseContract | None) -> dict[int, Grade]:
    if contract is not None:
        statement = select(Grade).where(Grade.table_id == contract.grade_table_id)
    else:
        statement = select(Grade).join(GradeTable).where(GradeTable.product_id == variety.product_id)
    return {g.id: g for g in db.session.scalars(statement)}


def _unit_price(value: Any, unit: Unit) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("floats never touch money")
    text = str(value).strip().replace("¥", "").replace("￥", "").replace("元", "") if value is not None else ""
    if not text:
        raise ValidationFailed(_l("A purchase without a contract needs a unit price for each grade."),
                               field="grade_split")
    try:
        price = price_per_kg(text, unit)
    except UnitError:
        raise ValidationFailed(_l("Enter the unit price in yuan with at most two decimals per kg."),
                               field="grade_split") from None
    if price < 0:
        raise ValidationFailed(_l("Negative numbers are not allowed."), field="grade_split")
    return price


# --- issue --------------------------------------------------------------------------------

def issue_slip(actor: User, given: SlipInput | None = None, /, *, replaces_id: int | None = None,
               **values: Any) -> WeighSlip:
    """Weigh a delivery and confirm its slip: ``given`` (or its fields as keywords, ``values``).

    Weights are as typed, bare numbers in the input's ``unit`` (:class:`SlipInput`). With a contract each grade is
    priced by the contract on the slip's local day; without one (a spot purchase) every row
    carries its unit price in ``price_unit`` (元/斤 or 元/公斤). Against a buyer order's allocation
    line (``allocation_id``) the order's farm-gate price applies unless a contract is named, and
    the order's collection rules hold (asked through :mod:`market.hooks`, answered by
    :mod:`market.fulfilment.collection`); a re-issued slip stays on the line of the slip it replaces.

    :raises PermissionDenied: unless the actor is a coordinator or an admin.
    :raises ValidationFailed: bad weights, deduction, split, prices; a contract of another
        household or variety or not taking deliveries; a missing market quote.
    :raises Conflict: ``replaces_id`` is not a void slip, or was already re-issued.
    """
    require_role(actor, *WEIGHERS)
    try:
        return _issue(actor, given if given is not None else SlipInput(**values), replaces_id)
    except SlipError as exc:
        raise slip_error(exc) from None


def _issue(actor: User, given: SlipInput, replaces_id: int | None) -> WeighSlip:
    household = _get(Household, given.household_id, "household_id", _l("Choose the household."))
    if not household.active:
        raise ValidationFailed(_l("This household is no longer active."), field="household_id")
    variety = _get(Variety, given.variety_id, "variety_id", _l("Choose the variety."))
    contract = None
    if given.contract_id not in (None, "", 0):
        contract = _get(PurchaseContract, given.contract_id, "contract_id", _l("Choose a contract from the list."))
        if contract.household_id != household.id:
            raise ValidationFailed(_l("This contract belongs to another household."), field="contract_id")
        if contract.variety_id != variety.id:
            raise ValidationFailed(_l("This contract is for another variety."), field="contract_id")
        if contract.status not in ACCEPTS_DELIVERIES:
            raise ValidationFailed(_l("This contract does not take deliveries now (status: %(status)s)."),
                                   field="contract_id", status=contract.status.value)
    replaces = _replaced_slip(replaces_id)
    allocation = None
    if given.allocation_id not in (None, "", 0) or (replaces is not None and replaces.allocation_id is not None):
        # the buyer order's collection rules are fulfilment's
        allocation = hooks.allocation_for_slip(actor, given.allocation_id, household=household, variety=variety,
                                               replaces=replaces)
    moment = _local_moment(given.weighed_at)
    day = slips.local_day(moment)

    unit = _unit(given.unit, "unit")
    price_unit = _unit(given.price_unit, "price_unit")
    try:
        kind = DeductionKind(given.deduction_kind)
    except ValueError:
        raise ValidationFailed(_l("Choose how to deduct."), field="deduction_kind") from None
    if isinstance(given.crates, bool):
        raise ValidationFailed(_l("Enter a whole number of crates."), field="crates")
    try:
        crates = int(given.crates or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(_l("Enter a whole number of crates."), field="crates") from None
    plate = (given.plate or "").strip().upper()
    if len(plate) > 16:
        raise ValidationFailed(_l("A plate has at most 16 characters."), field="plate")

    weights = slips.compute_net(slips.parse_weight(given.gross, unit, "gross"),
                                slips.parse_weight(given.tare or "0", unit, "tare"),
                                kind, _deduction_value(kind, given.deduction_value, unit), crates)
    if allocation is not None:
        hooks.check_slip_room(allocation, weights.net,
                              reissue=replaces is not None and replaces.allocation_id == allocation.id)

    parts = [_to_part(row) for row in given.grade_split or []]
    allowed = _grades_allowed(variety, contract)
    for part in parts:
        if part.grade_id is None or isinstance(part.grade_id, bool) or not str(part.grade_id).isdigit() \
                or int(part.grade_id) not in allowed:
            raise ValidationFailed(_l("Choose grades of this variety's grade table."), field="grade_split")
    split_mode = given.split_mode
    if split_mode not in SPLIT_MODES:
        raise ValidationFailed(_l("Split by kilograms or by percent."), field="split_mode")
    if split_mode == "kg":
        split = slips.split_by_weight(weights.net, [
            (int(p.grade_id), slips.parse_weight(p.amount, unit, "grade_split")) for p in parts])
    else:
        split = slips.split_by_percent(weights.net, [
            (int(p.grade_id), slips.parse_decimal(p.amount, "grade_split")) for p in parts])
    # best grade first, whatever order the rows came in
    ordered = sorted(split.items(), key=lambda item: allowed[item[0]].rank)

    priced: list[tuple[int, Weight, PriceDecision, Any]] = []
    explicit = {int(p.grade_id): p.unit_price for p in parts}
    for grade_id, net in ordered:
        typed_price = explicit.get(grade_id)
        if contract is not None:
            if typed_price not in (None, ""):
                raise ValidationFailed(_l("The contract sets the price: leave the unit price empty."),
                                       field="grade_split")
            try:
                decision, quote = contract_services.price_for_delivery(contract, grade_id, day)
            except ValidationFailed as exc:
                raise ValidationFailed(exc.message, field="grade_split", **exc.params) from None
        elif allocation is not None:
            if typed_price not in (None, ""):
                raise ValidationFailed(_l("The order sets the farm-gate price: leave the unit price empty."),
                                       field="grade_split")
            decision, quote = hooks.order_price(allocation, grade_id), None
        else:
            decision, quote = PriceDecision(_unit_price(typed_price, price_unit), "spot", False), None
        priced.append((grade_id, net, decision, quote))

    slip = WeighSlip(
        weighed_at=moment, weigher_id=actor.id, household_id=household.id,
        contract_id=contract.id if contract else None, variety_id=variety.id, plate=plate, crates=crates,
        gross_kg=weights.gross.kg, tare_kg=weights.tare.kg, deduction_kind=weights.kind,
        deduction_value=weights.value, deduction_kg=weights.deduction.kg, net_kg=weights.net.kg,
        amount=Decimal(0), status=SlipStatus.CONFIRMED, replaces_id=replaces.id if replaces else None,
        note=(given.note or "").strip(), allocation_id=allocation.id if allocation is not None else None,
    )
    total = 0
    for grade_id, net, decision, quote in priced:
        amount = line_amount(decision, net)
        total += amount.fen
        slip.lines.append(WeighSlipLine(grade_id=grade_id, net_kg=net.kg, unit_price=decision.unit_price,
                                        amount=amount.yuan, quote_id=quote.id if quote is not None else None,
                                        price_basis=decision.basis))
    slip.amount = Decimal(total).scaleb(-2)
    _insert_with_serial(slip, day)

    if contract is not None:
        contract_services.start_deliveries(actor, contract)
    if allocation is not None:
        hooks.slip_collected(actor, slip, allocation, replaces)
    audit.record(actor, "weigh_slip.issue", slip, after={
        **audit.snapshot(slip, SLIP_FIELDS),
        "entered": {"unit": unit.value, "price_unit": price_unit.value, "split_mode": split_mode},
        "lines": [{"grade_id": line.grade_id, "net_kg": line.net_kg, "unit_price": line.unit_price,
                   "amount": line.amount, "quote_id": line.quote_id, "price_basis": line.price_basis}
                  for line in slip.lines],
        "bonus_per_kg": {str(g): d.bonus_per_kg for g, _, d, _ in priced if d.bonus_per_kg},
    })
    return slip


def _replaced_slip(replaces_id: int | None) -> WeighSlip | None:
    if replaces_id in (None, "", 0):
        return None
    replaced = db.session.execute(
        select(WeighSlip).where(WeighSlip.id == int(replaces_id)).with_for_update(key_share=True)
    ).scalar_one_or_none()
    if replaced is None:
        raise NotFound(_l("The slip to re-issue does not exist."))
    if replaced.status is not SlipStatus.VOID:
        raise Conflict(_l("Only a voided slip can be re-issued: void it first."), field="replaces_id")
    taken = db.session.scalar(select(WeighSlip.serial).where(WeighSlip.replaces_id == replaced.id))
    if taken is not None:
        raise Conflict(_l("Slip %(serial)s was already re-issued as %(new)s."), field="replaces_id",
                       serial=replaced.serial, new=taken)
    return replaced


def _day_serial_max(day) -> str | None:
    prefix = slips.serial_prefix(day)
    # longest first, then highest: stays right past 9999 slips in a day
    return db.session.scalar(
        select(WeighSlip.serial).where(WeighSlip.serial.startswith(prefix, autoescape=True))
        .order_by(func.length(WeighSlip.serial).desc(), WeighSlip.serial.desc()).limit(1)
    )


def _insert_with_serial(slip: WeighSlip, day) -> None:
    """Number the slip max-of-the-day + 1; the unique constraint settles a race, and the
    loser takes the next number inside a savepoint."""
    for _attempt in range(SERIAL_ATTEMPTS):
        serial = slips.make_serial(day, slips.next_sequence(day, _day_serial_max(day)))
        slip.serial = serial
        try:
            with db.session.begin_nested():
                db.session.add(slip)
                db.session.flush()
            return
        except IntegrityError:
            if db.session.scalar(select(WeighSlip.id).where(WeighSlip.serial == serial)) is None:
                raise
    raise Conflict(_l("Too many slips are being issued at once; try again."))


# --- void and re-issue ---------------------------------------------------------------------------

def void_slip(actor: User, slip: WeighSlip, reason: str) -> WeighSlip:
    """Mark a confirmed slip void, with who, when and why. The slip itself stays as it was.

    :raises PermissionDenied: unless the actor is a coordinator or an admin.
    :raises ValidationFailed: no reason.
    :raises InvalidTransition: the slip is already void.
    """
    require_role(actor, *WEIGHERS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why the slip is void."), field="reason")
    if not SLIP.can(slip, "void"):
        raise InvalidTransition(_l("Slip %(serial)s is already void."), serial=slip.serial)
    settled = db.session.scalar(
        select(Settlement.number).join(settlement_slips, settlement_slips.c.settlement_id == Settlement.id)
        .where(settlement_slips.c.slip_id == slip.id, Settlement.status != SettlementStatus.DRAFT))
    if settled is not None:
        raise Conflict(_l("Slip %(serial)s is paid for by settlement %(number)s; it can no longer be voided."),
                       serial=slip.serial, number=settled)
    now = utcnow()
    # Guarded on the status, so two people voiding at once cannot both succeed.
    result = db.session.execute(
        update(WeighSlip).where(WeighSlip.id == slip.id, WeighSlip.status == SlipStatus.CONFIRMED)
        .values(status=SlipStatus.VOID, void_reason=reason, voided_by_id=actor.id, voided_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(slip)
        raise InvalidTransition(_l("Slip %(serial)s is already void."), serial=slip.serial)
    db.session.refresh(slip)
    audit.record(actor, "weigh_slip.void", slip, before={"status": SlipStatus.CONFIRMED},
                 after={"status": slip.status, "voided_by_id": actor.id, "voided_at": now}, reason=reason)
    return slip


def reissue_slip(actor: User, voided_slip: WeighSlip, given: SlipInput | None = None, /,
                 **values: Any) -> WeighSlip:
    """Issue the corrected slip for a voided one; it points back with ``replaces_id``.

    Takes the same input as :func:`issue_slip`.
    """
    values.pop("replaces_id", None)
    return issue_slip(actor, given, replaces_id=voided_slip.id, **values)


# --- reading ---------------------------------------------------------------------------------

def slips_query(actor: User, *, day=None, household_id: int | None = None, contract_id: int | None = None,
                status: SlipStatus | str | None = None) -> Select:
    """Slips the actor may see, newest first; villagers see only their household's.

    :raises PermissionDenied: buyers, and villagers without a household.
    """
    own = visible_household_id(actor)
    statement = select(WeighSlip).options(
        selectinload(WeighSlip.lines).selectinload(WeighSlipLine.grade),
        selectinload(WeighSlip.household), selectinload(WeighSlip.contract),
    ).order_by(WeighSlip.weighed_at.desc(), WeighSlip.id.desc())
    if own is not None:
        statement = statement.where(WeighSlip.household_id == own)
    if household_id is not None:
        statement = statement.where(WeighSlip.household_id == household_id)
    if contract_id is not None:
        statement = statement.where(WeighSlip.contract_id == contract_id)
    if status:
        statement = statement.where(WeighSlip.status == SlipStatus(status))
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=slips.LOCAL_ZONE)
        statement = statement.where(WeighSlip.weighed_at >= start,
                                    WeighSlip.weighed_at < start + timedelta(days=1))
    return statement


def get_slip(actor: User, slip_id: int) -> WeighSlip:
    """:raises NotFound: no such slip. :raises PermissionDenied: another household's slip."""
    slip = db.session.get(WeighSlip, slip_id)
    if slip is None:
        raise NotFound(_l("This weigh slip does not exist."))
    require_household_access(actor, slip.household_id)
    return slip


def replacement_of(slip: WeighSlip) -> WeighSlip | None:
    """The slip that re-issued this voided one, if any."""
    return db.session.scalar(select(WeighSlip).where(WeighSlip.replaces_id == slip.id))


def deliverable_contracts(household_id: int | None = None) -> list[PurchaseContract]:
    """Contracts a slip may be weighed against now, for the new-slip form."""
    statement = select(PurchaseContract).where(PurchaseContract.status.in_(list(ACCEPTS_DELIVERIES))) \
        .order_by(PurchaseContract.number)
    if household_id is not None:
        statement = statement.where(PurchaseContract.household_id == household_id)
    return list(db.session.scalars(statement))


def values_of(slip: WeighSlip) -> SlipInput:
    """A slip's entries as :func:`issue_slip` takes them, in kilograms: the starting point of a re-issue."""
    return SlipInput(
        household_id=slip.household_id, contract_id=slip.contract_id, variety_id=slip.variety_id,
        weighed_at=slip.weighed_at, plate=slip.plate, crates=slip.crates, gross=slip.gross_kg, tare=slip.tare_kg,
        deduction_kind=slip.deduction_kind, deduction_value=slip.deduction_value,
        grade_split=[GradePart(line.grade_id, line.net_kg, None if slip.contract_id else line.unit_price)
                     for line in slip.lines],
        note=slip.note)


__all__ = ["issue_slip", "void_slip", "reissue_slip", "slips_query", "get_slip", "replacement_of",
           "deliverable_contracts", "values_of", "GradePart", "SlipInput", "SLIP", "WEIGHERS", "MarketError"]
