"""交售登记: a household declares produce for sale; staff may enter it on the household's behalf.

Every function takes the acting user first, checks what that user may do, flushes and never
commits. Refusals are :mod:`market.errors` with messages on the fields people typed in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import IO, Any, Iterable, Protocol, Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from models import (Grade, GradeTable, Household, LotPhoto, LotStatus, ProduceLot, Product,
                    QuantityUnit, RoleName, User, Variety, Village, VillageGroup, db)

from .. import audit, units
from ..clock import local_today
from ..auth.permissions import visible_household_id
from ..errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from . import photos as photo_files
from .rules import Formatted, date_problems, read_quantity, read_unit
from .states import EDITABLE, LOT

#: who may enter and change produce for any household (proxy entry); accountants only read
ENTER_FOR_OTHERS = (RoleName.COORDINATOR, RoleName.ADMIN)

LOCATION_MAX = 128
NOTE_MAX = 2000

#: what the audit log keeps of a lot, before and after each change
AUDITED_FIELDS = ("household_id", "variety_id", "grade_id", "quantity_kg", "entered_unit",
                  "ready_from", "ready_to", "spoil_by", "village_id", "group_id",
                  "location_note", "note", "status")

#: what :func:`update_lot` may change
CHANGEABLE = frozenset({"variety_id", "grade_id", "quantity", "unit", "ready_from", "ready_to",
                        "spoil_by", "village_id", "group_id", "location_note", "note"})


class Upload(Protocol):
    """A file as Werkzeug hands it over (``FileStorage``): a name and a readable stream."""

    filename: str | None
    stream: IO[bytes]


def can_enter_for_others(actor: User | None) -> bool:
    return actor is not None and actor.has_role(*ENTER_FOR_OTHERS)


def _is_own_household(actor: User, household_id: int) -> bool:
    return actor.has_role(RoleName.VILLAGER) and actor.household_id is not None \
        and actor.household_id == household_id


def _require_entry_for(actor: User, household_id: int | None) -> None:
    """:raises PermissionDenied: unless the actor enters for their own household or is staff."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    if can_enter_for_others(actor):
        return
    if household_id is not None and _is_own_household(actor, household_id):
        return
    raise PermissionDenied(_l("You can only register produce for your own household."))


class _Problems:
    """Collects every field's problem so people see all of them at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, []).append(message)

    def merge(self, exc: ValidationFailed) -> None:
        for field, messages in exc.fields.items():
            for message in messages:
                self.add(field, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(fields=self.fields)


@dataclass
class _Clean:
    variety: Variety | None = None
    grade: Grade | None = None
    quantity: units.Quantity | None = None
    village: Village | None = None
    group: VillageGroup | None = None


def _check_catalogue(problems: _Problems, clean: _Clean, variety_id: Any, grade_id: Any) -> None:
    variety = db.session.get(Variety, variety_id) if isinstance(variety_id, int) else None
    if variety_id is None:
        problems.add("variety_id", _l("Choose the variety."))
    elif variety is None:
        problems.add("variety_id", _l("This variety is not in the catalogue."))
    grade = db.session.get(Grade, grade_id) if isinstance(grade_id, int) else None
    if grade_id is None:
        problems.add("grade_id", _l("Choose the grade."))
    elif grade is None:
        problems.add("grade_id", _l("This grade is not in the catalogue."))
    elif variety is not None and grade.table.product_id != variety.product_id:
        problems.add("grade_id", Formatted(_l("This is not a grade for %(product)s."),
                                           product=variety.product.name))
    clean.variety, clean.grade = variety, grade


def _check_place(problems: _Problems, clean: _Clean, village_id: Any, group_id: Any) -> None:
    village = db.session.get(Village, village_id) if isinstance(village_id, int) else None
    if village is None:
        problems.add("village_id", _l("This village is not known."))
        return
    clean.village = village
    if group_id is None:
        return
    group = db.session.get(VillageGroup, group_id) if isinstance(group_id, int) else None
    if group is None or group.village_id != village.id:
        problems.add("group_id", Formatted(_l("This group is not in %(village)s."), village=village.name))
        return
    clean.group = group


def _check_texts(problems: _Problems, location_note: str, note: str) -> None:
    if len(location_note) > LOCATION_MAX:
        problems.add("location_note", Formatted(_l("Keep it under %(n)d characters."), n=LOCATION_MAX))
    if len(note) > NOTE_MAX:
        problems.add("note", Formatted(_l("Keep it under %(n)d characters."), n=NOTE_MAX))


def _check_quantity(problems: _Problems, clean: _Clean, quantity: Any, unit: Any) -> None:
    try:
        clean.quantity = read_quantity(quantity, unit)
    except ValidationFailed as exc:
        problems.merge(exc)


def _check_photos(problems: _Problems, uploads: Sequence[Upload], room: int) -> list[photo_files.CheckedPhoto]:
    """Read and check every upload before any file is written."""
    checked: list[photo_files.CheckedPhoto] = []
    if len(uploads) > room:
        limit = current_app.config["PHOTOS_PER_LOT"]
        problems.add("photos", Formatted(_l("At most %(n)d photos per lot."), n=limit))
        return checked
    max_bytes = current_app.config["PHOTO_MAX_BYTES"]
    for upload in uploads:
        try:
            checked.append(photo_files.check(upload.stream, upload.filename or "", max_bytes))
        except ValidationFailed as exc:
            problems.merge(exc)
    return checked


def _store_photos(lot: ProduceLot, checked: Iterable[photo_files.CheckedPhoto]) -> list[LotPhoto]:
    stored = []
    for photo in checked:
        row = LotPhoto(lot=lot, stored_name=photo_files.new_stored_name(photo),
                       content_type=photo.content_type, size_bytes=len(photo.data),
                       original_name=photo.original_name)
        db.session.add(row)
        db.session.flush()
        photo_files.write(db.session(), row.stored_name, photo)
        stored.append(row)
    return stored


def _household_for_entry(actor: User, household_id: Any) -> Household:
    if household_id is None and actor is not None and getattr(actor, "household_id", None) is not None \
            and actor.has_role(RoleName.VILLAGER):
        household_id = actor.household_id
    _require_entry_for(actor, household_id if isinstance(household_id, int) else None)
    household = db.session.get(Household, household_id) if isinstance(household_id, int) else None
    if household_id is None:
        raise ValidationFailed(_l("Choose the household."), field="household_id")
    if household is None or not household.active:
        raise ValidationFailed(_l("This household is not known or no longer active."), field="household_id")
    return household


def register_lot(actor: User, *, household_id: int | None, variety_id: int | None, grade_id: int | None,
                 quantity: Any, unit: Any = None, ready_from: date | None, ready_to: date | None,
                 spoil_by: date | None, village_id: int | None = None, group_id: int | None = None,
                 location_note: str | None = "", note: str | None = "",
                 photos: Sequence[Upload] = (), today: date | None = None) -> ProduceLot:
    """Record what a household offers to sell (交售登记).

    ``quantity`` is a :class:`units.Quantity` or text such as ``"300 斤"``; a bare number is in
    ``unit`` (斤 when not given). The village and group default to the household's.
    A villager registers for their own household; a coordinator or admin for any household,
    which is audited as proxy entry.

    :raises PermissionDenied: a villager registering for another household, or a reader.
    :raises ValidationFailed: with every field's problem at once; nothing is stored.
    """
    household = _household_for_entry(actor, household_id)
    today = today or local_today()
    location_note = (location_note or "").strip()
    note = (note or "").strip()
    if village_id is None:
        village_id = household.village_id
        if group_id is None:
            group_id = household.group_id
    problems = _Problems()
    clean = _Clean()
    _check_catalogue(problems, clean, variety_id, grade_id)
    _check_quantity(problems, clean, quantity, unit)
    for field, messages in date_problems(ready_from, ready_to, spoil_by, today, new=True).items():
        for message in messages:
            problems.add(field, message)
    _check_place(problems, clean, village_id, group_id)
    _check_texts(problems, location_note, note)
    checked = _check_photos(problems, list(photos), current_app.config["PHOTOS_PER_LOT"])
    problems.raise_if_any()
    assert clean.quantity is not None and clean.variety is not None and clean.grade is not None
    assert clean.village is not None

    lot = ProduceLot(
        household_id=household.id, variety_id=clean.variety.id, grade_id=clean.grade.id,
        quantity_kg=clean.quantity.weight.kg, entered_unit=QuantityUnit(clean.quantity.unit.value),
        ready_from=ready_from, ready_to=ready_to, spoil_by=spoil_by,
        village_id=clean.village.id, group_id=clean.group.id if clean.group else None,
        location_note=location_note, note=note, status=LotStatus.LISTED, created_by_id=actor.id,
    )
    db.session.add(lot)
    db.session.flush()
    stored = _store_photos(lot, checked)
    proxy = not _is_own_household(actor, household.id)
    after = audit.snapshot(lot, AUDITED_FIELDS)
    after["photos"] = [p.id for p in stored]
    audit.record(actor, "produce_lot.create_proxy" if proxy else "produce_lot.create", lot, after=after,
                 on_behalf_of_household_id=household.id if proxy else None)
    return lot


# --- reading --------------------------------------------------------------------------

def get_lot(actor: User, lot_id: int) -> ProduceLot:
    """A lot the actor may see. Another household's lot is "not found" to a villager.

    :raises PermissionDenied: buyers and users without a household.
    :raises NotFound: no such lot, or not the villager's.
    """
    own = visible_household_id(actor)
    lot = db.session.get(ProduceLot, lot_id) if isinstance(lot_id, int) else None
    if lot is None or (own is not None and lot.household_id != own):
        raise NotFound(_l("This produce lot does not exist."))
    return lot


def lots_query(actor: User, *, household_id: int | None = None, village_id: int | None = None,
               variety_id: int | None = None, grade_id: int | None = None,
               status: LotStatus | str | None = None, ready_on: date | None = None) -> Select:
    """Lots the actor may see, newest first, narrowed by the given filters.

    Villagers see only their own household's lots whatever they ask for.
    """
    own = visible_household_id(actor)
    # the small lists a lot names (variety and product, grade, village, group) joined into the page's
    # own statement: read newest first by ix_produce_lots_newest, only the page's rows are joined; the
    # households (a district's thousands) and the photos in a statement each for the whole page
    statement = select(ProduceLot).options(
        joinedload(ProduceLot.variety).joinedload(Variety.product), joinedload(ProduceLot.grade),
        joinedload(ProduceLot.village), joinedload(ProduceLot.group),
        selectinload(ProduceLot.household), selectinload(ProduceLot.photos),
    )
    if own is not None:
        if household_id is not None and household_id != own:
            raise PermissionDenied(_l("You can only see your own household."))
        household_id = own
    if household_id is not None:
        statement = statement.where(ProduceLot.household_id == household_id)
    if village_id is not None:
        statement = statement.where(ProduceLot.village_id == village_id)
    if variety_id is not None:
        statement = statement.where(ProduceLot.variety_id == variety_id)
    if grade_id is not None:
        statement = statement.where(ProduceLot.grade_id == grade_id)
    if status:
        statement = statement.where(ProduceLot.status == LotStatus(status))
    if ready_on is not None:
        statement = statement.where(ProduceLot.ready_from <= ready_on, ProduceLot.ready_to >= ready_on)
    return statement.order_by(ProduceLot.created_at.desc(), ProduceLot.id.desc())


def _locked(lot: ProduceLot) -> bool:
    """Once any kilogram is promised to an order the household's declaration stands."""
    return lot.status not in EDITABLE or (lot.reserved_kg or 0) > 0


def may_enter_for(actor: User, household_id: int) -> bool:
    """Whether the actor may enter and change produce for this household at all."""
    return can_enter_for_others(actor) or _is_own_household(actor, household_id)


def can_change(actor: User, lot: ProduceLot) -> bool:
    """Whether the page should offer editing, withdrawing and photo changes."""
    return not _locked(lot) and may_enter_for(actor, lot.household_id)


# --- changing ---------------------------------------------------------------------------

def _lot_for_change(actor: User, lot_id: int) -> ProduceLot:
    lot = get_lot(actor, lot_id)
    if not (can_enter_for_others(actor) or _is_own_household(actor, lot.household_id)):
        raise PermissionDenied(_l("You can only change your own household's produce."))
    if _locked(lot):
        raise Conflict(_locked_message(lot))
    return lot


def _locked_message(lot: ProduceLot) -> Any:
    if lot.status == LotStatus.WITHDRAWN:
        return _l("This lot was withdrawn and can no longer be changed.")
    return _l("This lot is already given to an order and can no longer be changed.")


def update_lot(actor: User, lot_id: int, *, today: date | None = None, **changes: Any) -> ProduceLot:
    """Change a lot that still waits for a buyer. Only the keys given are changed.

    :raises Conflict: the lot is allocated, collected, closed or withdrawn.
    :raises ValidationFailed: as :func:`register_lot`; nothing is changed.
    """
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise TypeError(f"update_lot cannot change {sorted(unknown)}")
    lot = _lot_for_change(actor, lot_id)
    today = today or local_today()
    before = audit.snapshot(lot, AUDITED_FIELDS)

    def given(name: str, current: Any) -> Any:
        return changes[name] if name in changes else current

    variety_id = given("variety_id", lot.variety_id)
    grade_id = given("grade_id", lot.grade_id)
    ready_from = given("ready_from", lot.ready_from)
    ready_to = given("ready_to", lot.ready_to)
    spoil_by = given("spoil_by", lot.spoil_by)
    village_id = given("village_id", lot.village_id)
    group_id = given("group_id", lot.group_id if village_id == lot.village_id else None)
    location_note = (given("location_note", lot.location_note) or "").strip()
    note = (given("note", lot.note) or "").strip()

    problems = _Problems()
    clean = _Clean()
    _check_catalogue(problems, clean, variety_id, grade_id)
    if "quantity" in changes:
        _check_quantity(problems, clean, changes["quantity"], changes.get("unit") or lot.entered_unit.value)
    else:
        try:
            unit = read_unit(changes.get("unit") or lot.entered_unit.value)
            clean.quantity = units.Quantity(units.Weight(lot.quantity_kg), unit)
        except ValidationFailed as exc:
            problems.merge(exc)
    window_moved = "ready_to" in changes and changes["ready_to"] != lot.ready_to
    for field, messages in date_problems(ready_from, ready_to, spoil_by, today, new=window_moved).items():
        for message in messages:
            problems.add(field, message)
    _check_place(problems, clean, village_id, group_id)
    _check_texts(problems, location_note, note)
    problems.raise_if_any()
    assert clean.quantity is not None and clean.variety is not None and clean.grade is not None
    assert clean.village is not None

    lot.variety_id = clean.variety.id
    lot.grade_id = clean.grade.id
    lot.quantity_kg = clean.quantity.weight.kg
    lot.entered_unit = QuantityUnit(clean.quantity.unit.value)
    lot.ready_from, lot.ready_to, lot.spoil_by = ready_from, ready_to, spoil_by
    lot.village_id = clean.village.id
    lot.group_id = clean.group.id if clean.group else None
    lot.location_note, lot.note = location_note, note
    db.session.flush()
    db.session.refresh(lot)  # relationships follow the new ids
    after = audit.snapshot(lot, AUDITED_FIELDS)
    if after != before:
        proxy = not _is_own_household(actor, lot.household_id)
        audit.record(actor, "produce_lot.update", lot, before=before, after=after,
                     on_behalf_of_household_id=lot.household_id if proxy else None)
    return lot


def withdraw_lot(actor: User, lot_id: int, *, reason: str | None = None) -> ProduceLot:
    """Take a lot off the market while it still waits for a buyer.

    :raises InvalidTransition: the lot is already allocated, collected, closed or withdrawn.
    """
    lot = get_lot(actor, lot_id)
    if not (can_enter_for_others(actor) or _is_own_household(actor, lot.household_id)):
        raise PermissionDenied(_l("You can only change your own household's produce."))
    if _locked(lot) or not LOT.can(lot, "withdraw"):
        raise InvalidTransition(_locked_message(lot))
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > NOTE_MAX:
        raise ValidationFailed(Formatted(_l("Keep it under %(n)d characters."), n=NOTE_MAX), field="reason")
    LOT.apply(actor, lot, "withdraw", reason=reason)
    db.session.flush()
    return lot


# --- photos -----------------------------------------------------------------------------

def add_photos(actor: User, lot_id: int, uploads: Sequence[Upload]) -> list[LotPhoto]:
    """Attach photos to a lot that still waits for a buyer; all of them, or none.

    :raises ValidationFailed: on ``photos``: too many, too large, not a JPEG/PNG/WebP photo.
    """
    lot = _lot_for_change(actor, lot_id)
    uploads = list(uploads)
    problems = _Problems()
    if not uploads:
        problems.add("photos", _l("Choose a photo."))
    room = current_app.config["PHOTOS_PER_LOT"] - len(lot.photos)
    checked = _check_photos(problems, uploads, room)
    problems.raise_if_any()
    stored = _store_photos(lot, checked)
    proxy = not _is_own_household(actor, lot.household_id)
    audit.record(actor, "produce_lot.add_photo", lot,
                 after={"photos": [{"id": p.id, "content_type": p.content_type, "size_bytes": p.size_bytes}
                                   for p in stored]},
                 on_behalf_of_household_id=lot.household_id if proxy else None)
    return stored


def get_photo(actor: User, lot_id: int, photo_id: int) -> LotPhoto:
    """A photo the actor may see: the owner household's, or any to staff."""
    lot = get_lot(actor, lot_id)
    photo = db.session.get(LotPhoto, photo_id) if isinstance(photo_id, int) else None
    if photo is None or photo.lot_id != lot.id:
        raise NotFound(_l("This photo does not exist."))
    return photo


def remove_photo(actor: User, lot_id: int, photo_id: int) -> None:
    """Delete a photo; its file goes once the deletion is committed."""
    lot = _lot_for_change(actor, lot_id)
    photo = get_photo(actor, lot.id, photo_id)
    stored_name = photo.stored_name
    lot.photos.remove(photo)
    db.session.flush()
    photo_files.delete_on_commit(db.session(), stored_name)
    proxy = not _is_own_household(actor, lot.household_id)
    audit.record(actor, "produce_lot.remove_photo", lot,
                 before={"photo": {"id": photo_id, "stored_name": stored_name}},
                 on_behalf_of_household_id=lot.household_id if proxy else None)


# --- choices for forms ------------------------------------------------------------------

def households_for_entry(actor: User) -> list[Household]:
    """Households a coordinator or admin may enter produce for."""
    if not can_enter_for_others(actor):
        raise PermissionDenied()
    return list(db.session.scalars(
        select(Household).join(Village, Household.village_id == Village.id)
        .where(Household.active.is_(True)).order_by(Village.name, Household.head_name, Household.id)
        .options(selectinload(Household.village), selectinload(Household.group))))


def varieties() -> list[Variety]:
    return list(db.session.scalars(
        select(Variety).join(Product).order_by(Product.name, Variety.id).options(selectinload(Variety.product))))


def grades_offered(current: Grade | None = None) -> list[Grade]:
    """Each product's default grade table (or every table when none is the default), best first."""
    tables = list(db.session.scalars(select(GradeTable).options(
        selectinload(GradeTable.grades), selectinload(GradeTable.product)).order_by(GradeTable.id)))
    chosen: list[Grade] = []
    products_with_default = {t.product_id for t in tables if t.is_default}
    for table in tables:
        if table.is_default or table.product_id not in products_with_default:
            chosen.extend(table.grades)
    if current is not None and current not in chosen:
        chosen.append(current)
    return chosen


def villages() -> list[Village]:
    return list(db.session.scalars(select(Village).order_by(Village.name, Village.id)))


def weight_in_entered_unit(lot: ProduceLot) -> str:
    """The quantity as its unit was typed, e.g. ``"300"`` for a lot entered as 300 斤."""
    value = units.Weight(lot.quantity_kg).in_unit(lot.entered_unit.value)
    return f"{value:f}"


__all__ = ["register_lot", "update_lot", "withdraw_lot", "get_lot", "lots_query", "add_photos",
           "get_photo", "remove_photo", "can_change", "may_enter_for", "can_enter_for_others", "households_for_entry",
           "varieties", "grades_offered", "villages", "local_today", "weight_in_entered_unit"]
