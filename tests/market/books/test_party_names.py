"""A voucher line keeps the party's name as it was when the voucher was prepared: renaming a
household or a buyer later rewrites neither the vouchers, the 明细账 nor their downloads."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from market.ledger import chart
from market.ledger import services as ledger
from models import Buyer, PartyType, VoucherLine, db
from tests.market.books.test_exports import downloads  # noqa: F401  (fixture)


def test_renaming_a_household_keeps_the_name_each_posted_line_recorded(
        client, login, accountant, admin, all_posted, zhang, downloads):  # noqa: F811
    recorded = db.session.scalars(select(VoucherLine).where(VoucherLine.party_type == PartyType.HOUSEHOLD,
                                                            VoucherLine.party_id == zhang.id)).all()
    assert recorded and {line.party_name for line in recorded} == {"张秀英"}
    login(admin)
    assert client.patch(f"/api/v1/households/{zhang.id}", json={"head_name": "张秀英（已过户）"}).status_code == 200

    text = downloads.get(f"/books/ledger?account=2202&party_id={zhang.id}&from=2026-01&to=2026-12&format=csv") \
        .get_data(as_text=True)
    assert "张秀英" in text and "已过户" not in text
    vouchers_csv = downloads.get("/books/vouchers?period=all&format=csv").get_data(as_text=True)
    assert "张秀英" in vouchers_csv and "已过户" not in vouchers_csv
    page = downloads.get(f"/books/vouchers/{recorded[0].voucher_id}").get_data(as_text=True)
    assert "张秀英" in page and "已过户" not in page
    api = downloads.get(f"/api/v1/vouchers/{recorded[0].voucher_id}").get_json()
    assert {line["party_name"] for line in api["lines"] if line["party_id"] == zhang.id} == {"张秀英"}

    # a voucher prepared after the renaming records the new name (on a party account typed by hand:
    # 2202 per household is kept by settlements and payments only)
    chart.create_account(accountant, code="2241", name="其他应付款", kind="liability", party_type="household")
    voucher = ledger.prepare_voucher(
        accountant, voucher_date=date(2026, 10, 2), summary="收到押金", idempotency_key="rename-1",
        lines=[ledger.LineInput("2241", credit="10.00", party_type="household", party_id=zhang.id),
               ledger.LineInput("1002", debit="10.00")])
    db.session.commit()
    assert voucher.lines[0].party_name == "张秀英（已过户）"


def test_renaming_a_buyer_keeps_the_name_on_its_receivable_lines(client, login, coordinator, all_posted,
                                                                 downloads):  # noqa: F811
    line = db.session.scalar(select(VoucherLine).where(VoucherLine.party_type == PartyType.BUYER))
    buyer = db.session.get(Buyer, line.party_id)
    before = buyer.name
    assert line.party_name == before
    login(coordinator)
    assert client.patch(f"/api/v1/buyers/{buyer.id}", json={"name": "金昌新华联超市"}).status_code == 200
    text = downloads.get(f"/books/ledger?account=1122&party_id={buyer.id}&from=2026-01&to=2026-12&format=csv") \
        .get_data(as_text=True)
    assert before in text and "新华联" not in text
