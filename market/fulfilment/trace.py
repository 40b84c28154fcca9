"""The public trace page behind a crate label, loading note or certificate code: no actor, no
personal data beyond masked household names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Certificate, CrateLabel, Shipment, SlipStatus, db

from ..clock import local_zone
from ..errors import NotFound
from ..privacy import mask_name
from . import codes
from .common import BRAND


@dataclass(frozen=True)
class TraceStep:
    #: picked | weighed | shipped | received
    key: str
    at: date | datetime | None
    detail: str = ""


@dataclass
class Trace:
    """What anyone holding a code may see: no personal data beyond masked household names."""

    kind: str  # crate | shipment | certificate
    code: str
    brand: str
    product: str
    variety: str
    villages: list[str]
    households: list[str]
    grades: list[str]
    harvest_days: list[date]
    net_kg: Decimal
    crate_number: int | None
    crates: int
    #: crates on the weighing(s) shown: the crate's household's slip, or the whole truck
    weighed_crates: int
    certificate: Certificate | None
    steps: list[TraceStep]
    destination: str


def _resolve(code: str) -> tuple[str, Shipment, CrateLabel | None] | None:
    label = db.session.scalar(select(CrateLabel).where(CrateLabel.code == code))
    if label is not None:
        return "crate", label.shipment, label
    shipment = db.session.scalar(select(Shipment).where(Shipment.code == code))
    if shipment is not None:
        return "shipment", shipment, None
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is not None:
        return "certificate", certificate.shipment, None
    return None


def trace(code: str) -> Trace:
    """The journey behind a crate label, loading note or certificate. Public: no actor.

    :raises NotFound: an unknown code.
    """
    code = codes.normalise(code)
    found = _resolve(code) if codes.is_code(code) else None
    if found is None:
        raise NotFound(_l("No produce carries this code. Check the letters on the label."))
    kind, shipment, label = found
    order = shipment.order
    slips = [label.slip] if label is not None else [s for s in shipment.slips if s.status is SlipStatus.CONFIRMED]
    households = []
    villages = []
    grades: dict[str, int] = {}
    for slip in slips:
        masked = mask_name(slip.household.head_name)
        village = slip.household.village.name
        if masked not in households:
            households.append(masked)
        if village not in villages:
            villages.append(village)
        for line in slip.lines:
            grades.setdefault(line.grade.name, line.grade.rank)
    zone = local_zone()
    weighed = sorted(slip.weighed_at for slip in slips)
    picks = sorted(slip.allocation.pick_on for slip in slips if slip.allocation and slip.allocation.pick_on)
    steps = []
    if weighed:
        picked_on = min(picks[0], weighed[0].astimezone(zone).date()) if picks else weighed[0].astimezone(zone).date()
        steps.append(TraceStep("picked", picked_on, "、".join(villages)))
        steps.append(TraceStep("weighed", weighed[-1] if len(weighed) == 1 else weighed[0],
                               "、".join(sorted(grades, key=grades.get))))
    steps.append(TraceStep("shipped", shipment.departed_at,
                           f"{codes.mask_plate(shipment.plate)} · {shipment.temperature_c.normalize():f}°C"))
    if shipment.receipt is not None:
        steps.append(TraceStep("received", shipment.receipt.received_at, order.buyer.city or ""))
    return Trace(
        kind=kind, code=code, brand=BRAND, product=order.variety.product.name, variety=order.variety.name,
        villages=villages, households=households, grades=sorted(grades, key=grades.get),
        harvest_days=sorted({moment.astimezone(zone).date() for moment in weighed}),
        net_kg=sum((slip.net_kg for slip in slips if slip.status is SlipStatus.CONFIRMED), Decimal("0.000")),
        crate_number=label.number if label else None, crates=shipment.crates,
        weighed_crates=sum(1 for l in shipment.crate_labels if label is None or l.slip_id == label.slip_id),
        certificate=shipment.certificate,
        steps=steps, destination=order.buyer.city or "")
