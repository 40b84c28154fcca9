"""The reference pages: forms that work, refusals in Chinese that change nothing, privacy."""
from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEvent, Grade, Household, PartyGroup, RoleName, User, Village, db
from tests.factories import PASSWORD


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_index_links_everything_for_an_admin(client, login, admin):
    login(admin)
    page = text(client.get("/admin"))
    for href in ("/admin/households", "/admin/villages", "/admin/products", "/admin/users"):
        assert f'href="{href}"' in page
    assert "基础资料" in page


def test_a_coordinator_sees_the_index_without_user_administration(client, login, coordinator):
    login(coordinator)
    page = text(client.get("/admin"))
    assert 'href="/admin/households"' in page and 'href="/admin/users"' not in page
    assert client.get("/admin/users").status_code == 403


def test_villagers_and_buyers_are_kept_out_of_the_admin_pages(client, login, villager, buyer_user):
    login(villager)
    assert client.get("/admin").status_code == 403
    assert client.get("/admin/villages").status_code == 403
    assert client.get("/admin/households/new").status_code == 403
    client.post("/logout")
    login(buyer_user)
    assert client.get("/admin/households").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/households")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_adds_a_village_with_the_form(client, login, admin):
    login(admin)
    response = client.post("/admin/villages", data={"code": "610404102201", "name": "北里村",
                                                     "township": "北杜街道", "county": "渭城区"})
    assert response.status_code == 302
    village = db.session.scalar(select(Village))
    assert (village.code, village.name) == ("610404102201", "北里村")
    assert "北杜街道" in text(client.get(response.headers["Location"]))


def test_a_bad_area_code_is_refused_in_chinese_and_nothing_is_written(client, login, admin):
    login(admin)
    response = client.post("/admin/villages", data={"code": "61040410220", "name": "北里村"})
    assert response.status_code == 422
    assert "区划代码必须是12位数字" in text(response)
    assert count(Village) == 0


def test_a_coordinator_cannot_add_a_village(client, login, coordinator):
    login(coordinator)
    response = client.post("/admin/villages", data={"code": "610404102201", "name": "北里村"})
    assert response.status_code == 403
    assert count(Village) == 0


def test_groups_branches_and_party_groups_are_added_on_the_village_page(client, login, admin, make_village):
    village = make_village(groups=1)
    db.session.commit()
    login(admin)
    url = f"/admin/villages/{village.id}"
    assert client.post(f"{url}/groups", data={"group-number": "2", "group-name": ""}).status_code == 302
    assert client.post(f"{url}/groups", data={"group-number": "2", "group-name": "重复"}).status_code == 409
    not_a_number = client.post(f"{url}/groups", data={"group-number": "x"})
    assert not_a_number.status_code == 422 and "请填写组号" in text(not_a_number)
    branch_id = db.session.scalar(select(PartyGroup)).branch_id
    assert client.post(f"{url}/party-groups", data={"pg-branch_id": str(branch_id), "pg-name": "第二党小组",
                                                     "pg-leader": "赵组长"}).status_code == 302
    page = text(client.get(url))
    assert "2组" in page and "第二党小组" in page and "赵组长" in page


def test_a_coordinator_registers_a_household_with_the_form(client, login, coordinator, make_village):
    village = make_village()
    db.session.commit()
    login(coordinator)
    form = text(client.get("/admin/households/new"))
    assert f'<option selected value="{village.id}">' in form  # the only village is preselected
    response = client.post("/admin/households/new", data={
        "head_name": "王建国", "id_number": "11010519491231002X", "phone": "", "village_id": str(village.id),
        "group_id": str(village.groups[1].id), "party_group_id": "", "payout_method": "bank",
        "bank_name": "陕西信合", "account_number": "6230270100099998888", "note": "", "active": "y"})
    assert response.status_code == 302, text(response)
    household = db.session.scalar(select(Household))
    assert household.head_name == "王建国" and household.group_id == village.groups[1].id
    assert household.active is True and household.phone == ""
    page = text(client.get(response.headers["Location"]))
    assert "110105********002X" in page and "11010519491231002X" not in page


def test_a_wrong_id_check_digit_is_refused_in_chinese_and_nothing_is_written(client, login, coordinator, make_village):
    village = make_village()
    db.session.commit()
    login(coordinator)
    response = client.post("/admin/households/new", data={
        "head_name": "王建国", "id_number": "110105194912310021", "village_id": str(village.id),
        "payout_method": "cash"})
    assert response.status_code == 422
    assert "身份证号码不正确" in text(response)
    assert count(Household) == 0


def test_the_household_list_shows_only_masked_phones_to_a_coordinator(client, login, coordinator, make_household):
    make_household(head_name="张秀英", phone="13912345678")
    db.session.commit()
    login(coordinator)
    page = text(client.get("/admin/households"))
    assert "张秀英" in page and "139****5678" in page and "13912345678" not in page
    assert "张秀英" in text(client.get("/admin/households?q=5678"))
    assert "张秀英" not in text(client.get("/admin/households?q=1111"))


def test_an_accountant_opens_the_full_numbers_and_the_view_is_audited(client, login, accountant, make_household):
    household = make_household()
    db.session.commit()
    login(accountant)
    page = text(client.get(f"/admin/households/{household.id}"))
    assert "610402********1234" in page and "610402195803151234" not in page
    assert "显示完整号码" in page
    response = client.post(f"/admin/households/{household.id}/reveal", data={"reason": "核对付款账户"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "610402195803151234" in text(response) and "6230270100012345678" in text(response)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "household.view_sensitive"))
    assert (event.actor_id, event.entity_id, event.reason) == (accountant.id, household.id, "核对付款账户")


def test_a_coordinator_cannot_open_the_full_numbers(client, login, coordinator, make_household):
    household = make_household()
    db.session.commit()
    login(coordinator)
    assert "显示完整号码" not in text(client.get(f"/admin/households/{household.id}"))
    response = client.post(f"/admin/households/{household.id}/reveal", data={"reason": "想看"})
    assert response.status_code == 403
    assert "610402195803151234" not in text(response)
    assert count(AuditEvent) == db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "household.view_sensitive"))


def test_editing_a_household_keeps_numbers_left_empty(client, login, coordinator, make_household):
    household = make_household()
    db.session.commit()
    login(coordinator)
    form = text(client.get(f"/admin/households/{household.id}/edit"))
    assert "610402195803151234" not in form and "6230270100012345678" not in form
    assert "610402********1234" in form
    response = client.post(f"/admin/households/{household.id}/edit", data={
        "head_name": "张秀英", "id_number": "", "phone": "", "account_number": "",
        "village_id": str(household.village_id), "group_id": str(household.group_id), "party_group_id": "",
        "payout_method": "bank", "bank_name": "陕西信合", "priority": "y", "note": "独居老人", "active": "y"})
    assert response.status_code == 302, text(response)
    db.session.refresh(household)
    assert household.priority and household.note == "独居老人"
    assert household.id_number == "610402195803151234" and household.account_number == "6230270100012345678"


def test_a_villager_sees_their_own_household_but_no_other(client, login, villager, make_household):
    other = make_household(head_name="李四")
    db.session.commit()
    login(villager)
    assert client.get(f"/admin/households/{villager.household_id}").status_code == 200
    assert client.get(f"/admin/households/{other.id}").status_code == 403
    page = text(client.get("/admin/households"))
    assert "李四" not in page


def test_an_admin_sets_up_peaches_and_edits_a_grade(client, login, admin):
    login(admin)
    response = client.post("/admin/products/peach-defaults")
    assert response.status_code == 302
    product_page = text(client.get(response.headers["Location"]))
    assert "水蜜桃" in product_page and "油桃" in product_page and "鲜桃等级" in product_page
    grade = db.session.scalar(select(Grade).where(Grade.name == "二级"))
    bad = client.post(f"/admin/grades/{grade.id}/edit", data={
        "code": "second", "name": "二级", "rank": "2", "min_fruit_g": "150", "min_diameter_mm": "",
        "price_diff": "-1.005"})
    assert bad.status_code == 422 and "元/公斤" in text(bad)
    db.session.refresh(grade)
    assert str(grade.price_diff) == "-1.00"
    good = client.post(f"/admin/grades/{grade.id}/edit", data={
        "code": "second", "name": "二级", "rank": "2", "min_fruit_g": "160", "min_diameter_mm": "65",
        "price_diff": "-0.80"})
    assert good.status_code == 302
    db.session.refresh(grade)
    assert (grade.min_fruit_g, grade.min_diameter_mm, str(grade.price_diff)) == (160, 65, "-0.80")
    table_page = text(client.get(good.headers["Location"]))
    assert "-0.80" in table_page and "160 g" in table_page


def test_an_admin_creates_a_login_and_a_taken_phone_is_refused(client, login, admin, coordinator, make_household):
    household = make_household()
    db.session.commit()
    login(admin)
    assert client.get("/admin/users/new").status_code == 200
    response = client.post("/admin/users/new", data={
        "phone": "13600001111", "name": "张秀英", "password": "peach-peach", "roles": ["villager"],
        "household_id": str(household.id), "party_group_id": ""})
    assert response.status_code == 302, text(response)
    created = db.session.scalar(select(User).where(User.phone == "13600001111"))
    assert created.household_id == household.id and created.role_names == {RoleName.VILLAGER}
    taken = client.post("/admin/users/new", data={"phone": coordinator.phone, "name": "重名",
                                                  "password": "peach-peach", "roles": ["coordinator"]})
    assert taken.status_code == 409 and "此手机号已有账号" in text(taken)
    no_role = client.post("/admin/users/new", data={"phone": "13600002222", "name": "无角色",
                                                    "password": "peach-peach"})
    assert no_role.status_code == 422 and "请至少选择一个角色" in text(no_role)
    assert count(User) == 3


def test_an_admin_disables_enables_and_resets_a_login(app, client, login, admin, coordinator):
    login(admin)
    url = f"/admin/users/{coordinator.id}"
    assert client.post(f"{url}/disable").status_code == 302
    other = app.test_client()
    assert other.post("/login", data={"phone": coordinator.phone, "password": PASSWORD}).status_code == 200
    assert client.post(f"{url}/enable").status_code == 302
    short = client.post(f"{url}/password", data={"pw-password": "short"})
    assert short.status_code == 422 and "密码至少需要8个字符" in text(short)
    assert client.post(f"{url}/password", data={"pw-password": "brand-new-pass"}).status_code == 302
    assert other.post("/login", data={"phone": coordinator.phone, "password": "brand-new-pass"}).status_code == 302


def test_an_admin_changes_roles_on_the_user_page(client, login, admin, coordinator):
    login(admin)
    response = client.post(f"/admin/users/{coordinator.id}", data={
        "name": "李协调", "roles": ["coordinator", "accountant"], "household_id": "", "party_group_id": ""})
    assert response.status_code == 302
    db.session.refresh(coordinator)
    assert coordinator.role_names == {RoleName.COORDINATOR, RoleName.ACCOUNTANT}
    page = text(client.get(f"/admin/users/{coordinator.id}"))
    assert "会计" in page


def test_an_admin_cannot_disable_their_own_login_from_the_page(client, login, admin):
    login(admin)
    response = client.post(f"/admin/users/{admin.id}/disable")
    assert response.status_code == 302
    db.session.refresh(admin)
    assert admin.is_active_flag is True
