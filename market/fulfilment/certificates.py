"""The shipment's compliance certificate (承诺达标合格证, 一车一证): product, quantity, origin, issuer,
basis, the lots it mixes and any certificates they came with.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (Certificate, CertificateBasis, CertificateLot, CertificateParent, ProduceLot, Shipment,
                    SlipStatus, User, Variety, db)

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..locking import lock_row
from ..numbering import next_number
from . import codes
from .common import BRAND, STAFF, clean_text, may_read_order
from .labels import fresh_codes

COMPANY = "陕西空港城乡统筹开发有限公司"

#: the commitment printed on every 承诺达标合格证 (the document is Chinese by law)
COMMITMENT = ("我承诺对销售的食用农产品：不使用禁用农药兽药、停用兽药和非法添加物；"
              "遵守农药安全间隔期、兽药休药期规定；常规农药兽药残留不超标。对承诺的真实性负责。")


CERTIFICATE_FIELDS = ("number", "code", "shipment_id", "product_name", "variety_name", "quantity_kg", "origin",
                      "issuer_name", "brand", "issuer_contact", "issued_on", "basis", "basis_note", "retain_until")


def origin_of(lots: Iterable[ProduceLot]) -> str:
    """渭城区北杜街道北里村、上召村: county and township once, then the villages."""
    places: dict[tuple[str, str], list[str]] = {}
    for lot in sorted(lots, key=lambda l: (l.village.county, l.village.township, l.village.code)):
        names = places.setdefault((lot.village.county, lot.village.township), [])
        if lot.village.name not in names:
            names.append(lot.village.name)
    return "；".join(f"{county}{township}{'、'.join(names)}" for (county, township), names in places.items())


def _parents(entries: Iterable[Mapping[str, Any] | str]) -> list[CertificateParent]:
    parents: list[CertificateParent] = []
    for entry in entries or []:
        if isinstance(entry, str):
            entry = {"reference": entry}
        reference = (entry.get("reference") or entry.get("certificate") or "").strip()
        external = (entry.get("external_number") or "").strip()
        issuer = (entry.get("issuer") or "").strip()
        if reference:
            ours = db.session.scalar(select(Certificate).where(
                (Certificate.number == reference) | (Certificate.code == codes.normalise(reference))))
            if ours is not None:
                parents.append(CertificateParent(parent_id=ours.id, issuer=ours.issuer_name))
                continue
            external = external or reference
        if not external:
            raise ValidationFailed(_l("Name each parent certificate by its number."), field="parents")
        if len(external) > 64 or len(issuer) > 128:
            raise ValidationFailed(_l("A certificate number has at most 64 characters."), field="parents")
        parents.append(CertificateParent(external_number=external, issuer=issuer))
    return parents


def issue_certificate(actor: User, shipment: Shipment, *, basis: CertificateBasis | str, basis_note: str = "",
                      issued_on: date | None = None,
                      parents: Iterable[Mapping[str, Any] | str] = ()) -> Certificate:
    """Issue the shipment's 承诺达标合格证 (一车一证): product, quantity, origin, issuer, basis, the
    lots it mixes and any certificates they came with. Retained at least two years.

    :raises ValidationFailed: unknown basis, a test without its report number, a date in the future.
    :raises Conflict: the shipment already has its certificate.
    """
    require_role(actor, *STAFF)
    lock_row(shipment.order)
    db.session.refresh(shipment)
    if shipment.certificate is not None:
        raise Conflict(_l("This shipment already has certificate %(number)s."), number=shipment.certificate.number)
    try:
        basis = CertificateBasis(basis)
    except ValueError:
        raise ValidationFailed(_l("Choose what the commitment rests on."), field="basis") from None
    basis_note = clean_text(basis_note, "basis_note", 255, None, required=False)
    if basis is not CertificateBasis.QUALITY_CONTROL and not basis_note:
        raise ValidationFailed(_l("Enter the test report's number."), field="basis_note")
    today = local_today()
    issued_on = issued_on or today
    if not isinstance(issued_on, date) or issued_on > today:
        raise ValidationFailed(_l("The issue date cannot be in the future."), field="issued_on")
    parent_rows = _parents(parents)

    slips = [slip for slip in shipment.slips if slip.status is SlipStatus.CONFIRMED]
    quantity = sum((slip.net_kg for slip in slips), Decimal("0.000"))
    if quantity <= 0:
        raise ValidationFailed(_l("The shipment has no confirmed slips."))
    per_lot: dict[int, Decimal] = defaultdict(Decimal)
    lots: dict[int, ProduceLot] = {}
    for slip in slips:
        lot = slip.allocation.lot
        lots[lot.id] = lot
        per_lot[lot.id] += slip.net_kg
    variety: Variety = shipment.order.variety
    code = fresh_codes(1)[0]
    certificate = Certificate(
        number=next_number(Certificate.number, f"HG{issued_on.year}-"), code=code, shipment_id=shipment.id,
        product_name=variety.product.name, variety_name=variety.name, quantity_kg=quantity,
        origin=origin_of(lots.values())[:255], issuer_name=current_app.config.get("CERTIFICATE_ISSUER", COMPANY),
        brand=current_app.config.get("CERTIFICATE_BRAND", BRAND),
        issuer_contact=current_app.config.get("CERTIFICATE_CONTACT") or f"{actor.name} {actor.phone}",
        issued_on=issued_on, basis=basis, basis_note=basis_note, commitment=COMMITMENT,
        retain_until=codes.retain_until(issued_on), issued_by_id=actor.id)
    certificate.lots = [CertificateLot(lot_id=lot_id, household_id=lots[lot_id].household_id, kg=kg)
                        for lot_id, kg in sorted(per_lot.items())]
    certificate.parents = parent_rows
    db.session.add(certificate)
    db.session.flush()
    audit.record(actor, "certificate.issue", certificate, after={
        **audit.snapshot(certificate, CERTIFICATE_FIELDS),
        "lots": {str(l.lot_id): l.kg for l in certificate.lots},
        "parents": [p.parent_id or p.external_number for p in certificate.parents]})
    return certificate


def get_certificate(actor: User, certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound(_l("This certificate does not exist."))
    if not may_read_order(actor, certificate.shipment.order):
        raise PermissionDenied()
    return certificate
