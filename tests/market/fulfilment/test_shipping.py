"""Shipment, crate labels, the 承诺达标合格证 and the supermarket's receipt, on the database."""
from __future__ import annotations

from dataclasses import replace

import inspect
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from market.clock import local_today
from market.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from market.fulfilment import certificates, codes, collection, labels, receipts, shipments
from market.weighing import services as weighing
from models import (AuditEvent, Certificate, CertificateBasis, CrateLabel, OrderStatus, Receipt, ReceiptOutcome,
                    RoleName, Shipment, db, utcnow)
from models.fulfilment import shipment_slips

from .conftest import DEPARTED_AT, RECEIVED_AT

TRUCK = dict(plate="陕D12345", driver_name="赵师傅", driver_phone="13700001111", temperature="3.5",
             departed_at=DEPARTED_AT)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- shipment ---------------------------------------------------------------------------------------

def test_loading_the_truck_takes_every_weighed_slip_labels_each_crate_and_ships_the_order(collected, coordinator):
    allocated, slips = collected
    shipment = shipments.create_shipment(coordinator, allocated.order, **TRUCK)
    db.session.commit()
    assert shipment.number.startswith("FH2026-") and codes.is_code(shipment.code)
    assert [s.id for s in shipment.slips] == sorted(s.id for s in slips)
    assert (shipment.crates, shipments.shipment_net_kg(shipment)) == (60, Decimal("600.000"))
    assert (shipment.plate, shipment.temperature_c) == ("陕D12345", Decimal("3.5"))
    labels = shipment.crate_labels
    assert [l.number for l in labels] == list(range(1, 61))
    assert len({l.code for l in labels} | {shipment.code}) == 61
    assert [sum(1 for l in labels if l.slip_id == s.id) for s in slips] == [20, 20, 20]
    assert allocated.order.status is OrderStatus.SHIPPED
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "shipment.create"))
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "buyer_order.ship"))


def test_slips_weighed_without_a_crate_count_get_labels_for_full_crates_of_the_order_size(allocated, weigh,
                                                                                         coordinator):
    weigh(allocated.lines["张秀英"], "95")  # crates of 10 公斤 → 10 labels
    shipment = shipments.create_shipment(coordinator, allocated.order, **TRUCK)
    assert shipment.crates == 10 and len(shipment.crate_labels) == 10


def test_the_coordinator_may_ship_some_slips_and_no_slip_of_another_order(collected, coordinator):
    allocated, slips = collected
    with pytest.raises(ValidationFailed) as error:
        shipments.create_shipment(coordinator, allocated.order, slip_ids=[slips[0].id, 987654], **TRUCK)
    assert "slip_ids" in error.value.fields
    db.session.rollback()
    shipment = shipments.create_shipment(coordinator, allocated.order, slip_ids=[slips[1].id], **TRUCK)
    assert [s.id for s in shipment.slips] == [slips[1].id] and shipment.crates == 20


def test_a_void_slip_does_not_travel(collected, coordinator):
    allocated, slips = collected
    weighing.void_slip(coordinator, slips[0], "称错")
    db.session.commit()
    with pytest.raises(ValidationFailed):
        shipments.create_shipment(coordinator, allocated.order, slip_ids=[slips[0].id], **TRUCK)
    db.session.rollback()
    shipment = shipments.create_shipment(coordinator, allocated.order, **TRUCK)
    assert slips[0].id not in {s.id for s in shipment.slips} and shipment.crates == 40


def test_the_database_keeps_a_slip_in_one_shipment_at_most(shipped):
    _, shipment = shipped
    slip_id = shipment.slips[0].id
    with pytest.raises(IntegrityError):
        db.session.execute(shipment_slips.insert().values(shipment_id=shipment.id, slip_id=slip_id))
        db.session.flush()


@pytest.mark.parametrize("field, value", [
    ("plate", "  "), ("driver_name", ""), ("driver_phone", "call me"), ("temperature", "cold"),
    ("temperature", "60"), ("temperature", "3.55"), ("departed_at", utcnow() + timedelta(days=1)),
])
def test_a_truck_without_its_particulars_does_not_leave(collected, coordinator, field, value):
    allocated, _ = collected
    with pytest.raises(ValidationFailed) as error:
        shipments.create_shipment(coordinator, allocated.order, **{**TRUCK, field: value})
    assert field in error.value.fields
    db.session.rollback()
    assert count(Shipment) == 0 and count(CrateLabel) == 0
    assert db.session.get(type(allocated.order), allocated.order.id).status is OrderStatus.COLLECTING


def test_a_float_temperature_is_refused_outright(collected, coordinator):
    allocated, _ = collected
    with pytest.raises(TypeError):
        shipments.create_shipment(coordinator, allocated.order, **{**TRUCK, "temperature": 3.5})


def test_an_order_with_nothing_weighed_cannot_ship(allocated, coordinator):
    with pytest.raises(InvalidTransition):
        shipments.create_shipment(coordinator, allocated.order, **TRUCK)


def test_no_truck_and_no_new_slips_after_the_last_truck_left(shipped, coordinator, weigh):
    allocated, _ = shipped
    with pytest.raises(InvalidTransition):
        shipments.create_shipment(coordinator, allocated.order, **TRUCK)
    with pytest.raises(ValidationFailed) as error:
        weigh(allocated.lines["张秀英"], "5")
    assert "allocation_id" in error.value.fields


def test_only_coordinators_and_admins_load_trucks(collected, villager, accountant, buyer_staff):
    allocated, _ = collected
    for actor in (villager, accountant, buyer_staff):
        with pytest.raises(PermissionDenied):
            shipments.create_shipment(actor, allocated.order, **TRUCK)


def test_a_shipped_slip_corrected_by_reissue_keeps_its_place_and_its_crate_labels(shipped, coordinator):
    allocated, shipment = shipped
    old = shipment.slips[0]
    codes_before = [l.code for l in shipment.crate_labels if l.slip_id == old.id]
    weighing.void_slip(coordinator, old, "皮重抄错")
    values = replace(weighing.values_of(old), tare=Decimal("14"),
                     grade_split=[{"grade_id": old.lines[0].grade_id, "amount": "198"}])
    new = weighing.reissue_slip(coordinator, old, values)
    db.session.commit()
    db.session.expire_all()
    shipment = db.session.get(Shipment, shipment.id)
    assert new.id in {s.id for s in shipment.slips}
    assert [l.code for l in shipment.crate_labels if l.slip_id == new.id] == codes_before
    assert shipments.shipment_net_kg(shipment) == Decimal("598.000")


def test_buyers_see_only_their_own_shipments(shipped, buyer_staff, make_user, villager):
    _, shipment = shipped
    assert shipments.get_shipment(buyer_staff, shipment.id) is shipment
    stranger = make_user(RoleName.BUYER, name="别家超市")
    with pytest.raises(PermissionDenied):
        shipments.get_shipment(stranger, shipment.id)
    with pytest.raises(PermissionDenied):
        shipments.get_shipment(villager, shipment.id)
    assert list(db.session.scalars(shipments.shipments_statement(buyer_staff))) == [shipment]


# --- certificate --------------------------------------------------------------------------------------

def test_the_certificate_names_product_quantity_origin_issuer_basis_and_lots(shipped, coordinator):
    allocated, shipment = shipped
    certificate = certificates.issue_certificate(coordinator, shipment, basis="quality_control",
                                                 issued_on=date(2026, 8, 19))
    db.session.commit()
    assert certificate.number == "HG2026-0001" and codes.is_code(certificate.code)
    assert (certificate.product_name, certificate.variety_name) == ("桃", "水蜜桃")
    assert certificate.quantity_kg == Decimal("600.000")
    assert certificate.origin == "渭城区北杜街道上召村、北里村"  # villages by their area code
    assert (certificate.issuer_name, certificate.brand) == ("陕西空港城乡统筹开发有限公司", "空港浓香园")
    assert coordinator.phone in certificate.issuer_contact
    assert certificate.basis is CertificateBasis.QUALITY_CONTROL
    assert "不使用禁用农药兽药" in certificate.commitment
    assert sorted((l.lot_id, l.kg) for l in certificate.lots) == sorted(
        (lot.id, Decimal("200.000")) for lot in allocated.lots.values())
    assert certificate.retain_until == date(2028, 8, 19)


def test_certificates_are_kept_two_years_and_nothing_deletes_them(shipped, coordinator):
    _, shipment = shipped
    certificate = certificates.issue_certificate(coordinator, shipment, basis="quality_control")
    db.session.commit()
    assert certificate.retain_until >= codes.add_years(certificate.issued_on, 2)
    assert not [name for module in (certificates, collection, labels, receipts, shipments)
                for name, _ in inspect.getmembers(module, inspect.isfunction)
                if any(word in name for word in ("delete", "remove", "purge", "destroy"))]
    db.session.delete(certificate)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert count(Certificate) == 1


def test_a_tested_batch_names_its_report_and_a_producers_certificate_as_parent(shipped, coordinator):
    _, shipment = shipped
    with pytest.raises(ValidationFailed) as error:
        certificates.issue_certificate(coordinator, shipment, basis="lab_test")
    assert "basis_note" in error.value.fields
    certificate = certificates.issue_certificate(coordinator, shipment, basis="lab_test", basis_note="SX-2026-0815",
                                                 parents=[{"reference": "HZ-0001", "issuer": "张秀英"}])
    assert [(p.parent_id, p.external_number, p.issuer) for p in certificate.parents] == [(None, "HZ-0001", "张秀英")]
    assert certificate.basis_note == "SX-2026-0815"


def test_a_certificate_may_name_one_of_ours_as_its_parent(shipped, coordinator):
    _, shipment = shipped
    first = certificates.issue_certificate(coordinator, shipment, basis="own_test", basis_note="自检 0819")
    parents = certificates._parents([{"reference": first.number}, first.code.lower()])
    assert [p.parent_id for p in parents] == [first.id, first.id]


def test_one_certificate_per_truck_issued_today_or_earlier_by_staff(shipped, coordinator, buyer_staff):
    _, shipment = shipped
    with pytest.raises(ValidationFailed) as error:
        certificates.issue_certificate(coordinator, shipment, basis="quality_control",
                                       issued_on=local_today() + timedelta(days=1))
    assert "issued_on" in error.value.fields
    with pytest.raises(ValidationFailed):
        certificates.issue_certificate(coordinator, shipment, basis="miracle")
    with pytest.raises(PermissionDenied):
        certificates.issue_certificate(buyer_staff, shipment, basis="quality_control")
    certificates.issue_certificate(coordinator, shipment, basis="quality_control")
    db.session.commit()
    with pytest.raises(Conflict):
        certificates.issue_certificate(coordinator, shipment, basis="quality_control")


# --- receipt ----------------------------------------------------------------------------------------

SIGNED = dict(supplier_signer="李协调", clerk_signer="马收货", supervisor_signer="杨主管", received_at=RECEIVED_AT)


def test_the_buyers_staff_record_the_receipt_and_the_deduction_follows_their_rules(shipped, buyer_staff):
    allocated, shipment = shipped
    receipt = receipts.record_receipt(buyer_staff, shipment, received="596.5", defect_pct="2", **SIGNED)
    db.session.commit()
    assert (receipt.received_kg, receipt.deducted_kg, receipt.accepted_kg, receipt.rejected_kg) == (
        Decimal("596.500"), Decimal("11.930"), Decimal("584.570"), Decimal("0.000"))
    assert receipt.outcome is ReceiptOutcome.DEDUCTED
    assert (receipt.accept_below_pct, receipt.reject_above_pct) == (Decimal("1.00"), Decimal("5.00"))
    assert (receipt.supplier_signer, receipt.clerk_signer, receipt.supervisor_signer) == ("李协调", "马收货", "杨主管")
    assert allocated.order.status is OrderStatus.RECEIVED
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "receipt.create"))


def test_over_delivery_is_accepted_only_up_to_the_ordered_quantity(shipped, coordinator):
    """600 kg loaded for a 600 kg order; the supermarket's scale reads 1212 斤 (606 kg), within the
    buyer's 1 % weighbridge difference, and the coordinator says why: 6 kg over the order is refused."""
    _, shipment = shipped
    receipt = receipts.record_receipt(coordinator, shipment, received="1212斤", unit="kg", defect_pct="0.5",
                                      over_loaded_reason="两地磅差", **SIGNED)
    assert (receipt.received_kg, receipt.entered_unit.value, receipt.loaded_kg) == (
        Decimal("606.000"), "jin", Decimal("600.000"))
    assert (receipt.over_order_kg, receipt.accepted_kg, receipt.rejected_kg) == (
        Decimal("6.000"), Decimal("600.000"), Decimal("6.000"))
    assert receipt.outcome is ReceiptOutcome.ACCEPTED and receipt.over_loaded_reason == "两地磅差"


@pytest.mark.parametrize("received, reason, who, field, rule", [
    # the finding: 600.5 kg accepted off a truck loaded with less, without a word
    ("650", "", "coordinator", "received", "receipt_beyond_weighbridge_tolerance"),
    ("650", "两地磅差", "coordinator", "received", "receipt_beyond_weighbridge_tolerance"),
    ("606.001", "两地磅差", "coordinator", "received", "receipt_beyond_weighbridge_tolerance"),
    ("600.5", "", "coordinator", "over_loaded_reason", "receipt_above_loaded"),
    ("600.5", "   ", "coordinator", "over_loaded_reason", "receipt_above_loaded"),
    ("600.5", "两地磅差", "buyer_staff", "over_loaded_reason", "receipt_above_loaded"),
])
def test_more_received_than_loaded_is_refused_unless_a_coordinator_says_why_within_the_tolerance(
        shipped, coordinator, buyer_staff, received, reason, who, field, rule):
    _, shipment = shipped
    actor = {"coordinator": coordinator, "buyer_staff": buyer_staff}[who]
    with pytest.raises(ValidationFailed) as error:
        receipts.record_receipt(actor, shipment, received=received, defect_pct="0", over_loaded_reason=reason,
                                **SIGNED)
    assert set(error.value.fields) == {field} and error.value.rule == rule
    assert "600" in error.value.text()
    assert count(Receipt) == 0


def test_the_weighbridge_tolerance_is_the_buyers_own(shipped, coordinator):
    _, shipment = shipped
    shipment.order.buyer.weighbridge_tolerance_pct = Decimal("0")
    with pytest.raises(ValidationFailed):
        receipts.record_receipt(coordinator, shipment, received="600.001", defect_pct="0",
                                over_loaded_reason="两地磅差", **SIGNED)
    receipt = receipts.record_receipt(coordinator, shipment, received="600", defect_pct="0", **SIGNED)
    assert receipt.loaded_kg == Decimal("600.000") and receipt.over_loaded_reason == ""


def test_too_many_defects_reject_the_whole_delivery(shipped, buyer_staff):
    _, shipment = shipped
    receipt = receipts.record_receipt(buyer_staff, shipment, received="600", defect_pct="8", **SIGNED)
    assert (receipt.accepted_kg, receipt.rejected_kg, receipt.outcome) == (0, Decimal("600.000"),
                                                                          ReceiptOutcome.REJECTED)


def test_staff_of_another_buyer_and_villagers_cannot_record_the_receipt(shipped, make_user, villager, accountant):
    _, shipment = shipped
    stranger = make_user(RoleName.BUYER, name="别家超市")
    for actor in (stranger, villager, accountant):
        with pytest.raises(PermissionDenied):
            receipts.record_receipt(actor, shipment, received="600", defect_pct="0", **SIGNED)
    assert count(Receipt) == 0


@pytest.mark.parametrize("field, value", [
    ("received", "0"), ("received", "lots"), ("defect_pct", "101"), ("defect_pct", "2.555"),
    ("clerk_signer", " "), ("received_at", DEPARTED_AT - timedelta(minutes=1)),
])
def test_a_receipt_with_a_wrong_entry_changes_nothing(shipped, buyer_staff, field, value):
    allocated, shipment = shipped
    data = {"received": "600", "defect_pct": "1", **SIGNED, field: value}
    with pytest.raises(ValidationFailed) as error:
        receipts.record_receipt(buyer_staff, shipment, **data)
    assert field in error.value.fields
    db.session.rollback()
    assert count(Receipt) == 0
    assert db.session.get(type(allocated.order), allocated.order.id).status is OrderStatus.SHIPPED


def test_a_shipment_is_received_once(shipped, buyer_staff):
    _, shipment = shipped
    receipts.record_receipt(buyer_staff, shipment, received="600", defect_pct="0", **SIGNED)
    db.session.commit()
    with pytest.raises(Conflict):
        receipts.record_receipt(buyer_staff, shipment, received="600", defect_pct="0", **SIGNED)
    assert count(Receipt) == 1


# --- several trucks ---------------------------------------------------------------------------------

def test_an_order_goes_on_several_trucks_each_received_and_settled_on_its_own(collected, coordinator, buyer_staff,
                                                                              accountant):
    """600 kg weighed in three slips of 200 kg: the first truck takes one and leaves the order collecting;
    its receipt is recorded while the second is loaded; the second is the last truck, with one more slip;
    the third slip never travels. The order is received once both trucks are; each receipt judges its own
    truck against what is still ordered. The first truck is settled (interim) before the second arrives; the
    final settlement sells the second; what was never loaded is left for the company to buy into stock."""
    from market.ledger import services as ledger
    from market.settlements import services as settlements

    ledger.seed_chart()
    allocated, slips = collected
    order = allocated.order
    first = shipments.create_shipment(coordinator, order, slip_ids=[slips[0].id], last=False, **TRUCK)
    db.session.commit()
    assert order.status is OrderStatus.COLLECTING and not first.last
    assert (first.crates, receipts.loaded_kg(first)) == (20, Decimal("200.000"))
    got = receipts.record_receipt(buyer_staff, first, received="200", defect_pct="0.5", **SIGNED)
    db.session.commit()
    assert order.status is OrderStatus.COLLECTING and got.ordered_kg == Decimal("600.000")
    # while trucks are still to come, what was received so far is settled as an interim settlement
    interim = settlements.prepare_order_settlement(coordinator, order)
    assert not interim.final and [truck.id for truck in interim.shipments] == [first.id]
    assert [slip.id for slip in interim.slips] == [slips[0].id] and interim.accepted_kg == got.accepted_kg
    settlements.submit(coordinator, interim)
    settlements.approve(accountant, interim)
    settlements.post(accountant, interim)
    db.session.commit()
    assert order.status is OrderStatus.COLLECTING  # an interim settlement does not settle the order
    # nothing received is left unsettled until the next truck is
    with pytest.raises(Conflict):
        settlements.prepare_order_settlement(coordinator, order)
    db.session.rollback()
    second = shipments.create_shipment(coordinator, order, slip_ids=[slips[1].id], last=True,
                                       **{**TRUCK, "plate": "陕D67890"})
    db.session.commit()
    assert order.status is OrderStatus.SHIPPED and second.last
    assert {label.code for label in first.crate_labels}.isdisjoint({label.code for label in second.crate_labels})
    assert first.code != second.code
    # the slip left behind is the company's, to buy into stock, never sold with the order
    left = db.session.scalars(settlements.unsettled_contract_slips()).all()
    assert [slip.id for slip in left] == [slips[2].id]
    later = receipts.record_receipt(buyer_staff, second, received="199", defect_pct="0.5", **SIGNED)
    db.session.commit()
    assert order.status is OrderStatus.RECEIVED and later.ordered_kg == Decimal("400.000")
    assert db.session.scalar(select(func.count()).select_from(Receipt).where(Receipt.order_id == order.id)) == 2
    with pytest.raises(InvalidTransition):
        shipments.create_shipment(coordinator, order, **TRUCK)
    db.session.rollback()
    # the order's settlement sells what both trucks carried and the buyer accepted; the slip left behind
    # is bought into stock by the next batch, at its farm-gate price
    sale = settlements.prepare_order_settlement(coordinator, order)
    assert sale.final and [truck.id for truck in sale.shipments] == [second.id]
    assert [slip.id for slip in sale.slips] == [slips[1].id]
    assert sale.accepted_kg == later.accepted_kg and sale.field_kg == Decimal("200.000")
    settlements.submit(coordinator, sale)
    settlements.approve(accountant, sale)
    settlements.post(accountant, sale)
    db.session.commit()
    assert order.status is OrderStatus.SETTLED
    with pytest.raises(Conflict):
        settlements.prepare_order_settlement(coordinator, order)
    db.session.rollback()
    batch = settlements.prepare_contract_batch(coordinator)
    assert [slip.id for slip in batch.slips] == [slips[2].id] and batch.kind.value == "contract_batch"
    assert batch.purchase_total == slips[2].amount
    from market.books.verification import problems
    assert problems() == []


def test_a_truck_with_nothing_on_it_does_not_leave_even_if_more_follow(collected, coordinator):
    allocated, slips = collected
    shipments.create_shipment(coordinator, allocated.order, last=False, **TRUCK)  # takes all three
    db.session.commit()
    with pytest.raises(ValidationFailed):
        shipments.create_shipment(coordinator, allocated.order, last=True, **TRUCK)
    db.session.rollback()
    # so the coordinator says no more trucks will go: the one that left was the last
    shipment = shipments.finish_shipping(coordinator, allocated.order)
    db.session.commit()
    assert shipment.last and allocated.order.status is OrderStatus.SHIPPED
    with pytest.raises(InvalidTransition):
        shipments.finish_shipping(coordinator, allocated.order)


def test_finishing_shipping_needs_a_truck_that_left(collected, coordinator, accountant):
    allocated, _ = collected
    with pytest.raises(InvalidTransition):
        shipments.finish_shipping(coordinator, allocated.order)
    with pytest.raises(PermissionDenied):
        shipments.finish_shipping(accountant, allocated.order)


def _settle(order, coordinator, accountant):
    """Prepared by the coordinator, submitted, approved and posted by the accountant."""
    from market.settlements import services as settlements

    made = settlements.prepare_order_settlement(coordinator, order)
    settlements.submit(coordinator, made)
    settlements.approve(accountant, made)
    settlements.post(accountant, made)
    db.session.commit()
    return made


def test_a_final_settlement_reversed_is_settled_again_in_full(
        collected, coordinator, buyer_staff, accountant, make_user):
    from market.books.verification import problems
    from market.ledger import services as ledger
    from market.reversals import services as reversals
    from market.settlements import services as settlements

    ledger.seed_chart()
    reviewer = make_user(RoleName.ACCOUNTANT, name="孙主管")
    allocated, slips = collected
    order = allocated.order
    first = shipments.create_shipment(coordinator, order, slip_ids=[slips[0].id], last=False, **TRUCK)
    receipts.record_receipt(buyer_staff, first, received="200", defect_pct="0.5", **SIGNED)
    second = shipments.create_shipment(coordinator, order, last=True, **{**TRUCK, "plate": "陕D67890"})
    receipts.record_receipt(buyer_staff, second, received="400", defect_pct="0.5", **SIGNED)
    db.session.commit()

    # both trucks received before anything is settled: one final settlement sells both
    final = _settle(order, coordinator, accountant)
    assert final.final and {t.id for t in final.shipments} == {first.id, second.id}
    assert order.status is OrderStatus.SETTLED
    asked = reversals.prepare(accountant, final, reason="验收数录错", idempotency_key="cx-final")
    reversals.approve(reviewer, asked)
    db.session.commit()
    assert order.status is OrderStatus.RECEIVED and final.shipments == []
    again = _settle(order, coordinator, accountant)
    assert again.final and again.corrects_id == final.id and order.status is OrderStatus.SETTLED
    assert problems() == []


def test_a_reversed_interim_settlement_is_corrected_by_another_interim_and_the_order_stays_settled(
        collected, coordinator, buyer_staff, accountant, make_user):
    from market.books.verification import problems
    from market.ledger import services as ledger
    from market.reversals import services as reversals
    from market.settlements import services as settlements

    ledger.seed_chart()
    reviewer = make_user(RoleName.ACCOUNTANT, name="孙主管")
    allocated, slips = collected
    order = allocated.order

    first = shipments.create_shipment(coordinator, order, slip_ids=[slips[0].id], last=False, **TRUCK)
    receipts.record_receipt(buyer_staff, first, received="200", defect_pct="0.5", **SIGNED)
    db.session.commit()
    interim = _settle(order, coordinator, accountant)
    second = shipments.create_shipment(coordinator, order, last=True, **{**TRUCK, "plate": "陕D67890"})
    receipts.record_receipt(buyer_staff, second, received="400", defect_pct="0.5", **SIGNED)
    db.session.commit()
    final = _settle(order, coordinator, accountant)
    assert not interim.final and final.final and order.status is OrderStatus.SETTLED
    asked = reversals.prepare(accountant, interim, reason="第一车单价录错", idempotency_key="cx-interim")
    reversals.approve(reviewer, asked)
    db.session.commit()
    assert order.status is OrderStatus.SETTLED  # the final settlement still stands
    assert order in settlements.settleable_orders()
    correction = _settle(order, coordinator, accountant)
    assert not correction.final and correction.corrects_id == interim.id
    assert [t.id for t in correction.shipments] == [first.id]
    assert order.status is OrderStatus.SETTLED
    assert problems() == []
