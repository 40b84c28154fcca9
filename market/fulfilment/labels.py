"""Trace codes and the crate labels that carry them: fresh codes no crate, shipment or certificate
uses yet, and a shipment's labels for printing.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Certificate, CrateLabel, Shipment, User, db

from ..errors import PermissionDenied
from . import codes
from .common import may_read_order


def fresh_codes(count: int) -> list[str]:
    """``count`` new trace codes, unused by any crate, shipment or certificate."""
    chosen: list[str] = []
    while len(chosen) < count:
        # in the order drawn: labels next to each other share nothing
        batch = list(dict.fromkeys(codes.new_code() for _ in range(count - len(chosen))))
        taken: set[str] = set(chosen)
        for start in range(0, len(batch), 500):
            part = batch[start:start + 500]
            for model in (CrateLabel, Shipment, Certificate):
                taken.update(db.session.scalars(select(model.code).where(model.code.in_(part))))
        chosen.extend(code for code in batch if code not in taken)
    return chosen[:count]


def crate_labels(actor: User, shipment: Shipment) -> list[CrateLabel]:
    if not may_read_order(actor, shipment.order):
        raise PermissionDenied()
    return list(db.session.scalars(select(CrateLabel).where(CrateLabel.shipment_id == shipment.id)
                                   .options(selectinload(CrateLabel.slip)).order_by(CrateLabel.number)))
