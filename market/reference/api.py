"""JSON API of the reference feature: villages, party organisation, households, catalogue, users.

Reads: the catalogue to anyone signed in; villages and party organisation to staff;
households by the household rule (staff all, a villager their own, buyers none); users to
admins. Writes as in the aggregate modules beside this one (:mod:`.villages`, :mod:`.households`…).
"""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user
from sqlalchemy.orm import selectinload

from models import Household, RoleName, db

from ..api import Blueprint, PageArgsSchema, creates, page_schema, paginate, roles_first
from . import catalogue, common, households, party, payee_changes, users, villages
from .schemas import (PayeeChangeArgsSchema, PayeeChangeRejectSchema, PayeeChangeSchema,
                      GradeCreateSchema, GradePatchSchema, GradeSchema, GradeTableArgsSchema,
                      GradeTableCreateSchema, GradeTablePageSchema, GradeTablePatchSchema,
                      GradeTableSchema, HouseholdArgsSchema, HouseholdCreateSchema, HouseholdPageSchema,
                      HouseholdPatchSchema, HouseholdSchema, PartyBranchArgsSchema,
                      PartyBranchCreateSchema, PartyBranchPageSchema, PartyBranchPatchSchema,
                      PartyBranchSchema, PartyGroupArgsSchema, PartyGroupCreateSchema,
                      PartyGroupPageSchema, PartyGroupPatchSchema, PartyGroupSchema,
                      ProductCreateSchema, ProductPageSchema, ProductPatchSchema, ProductSalesVatSchema,
                      ProductSchema,
                      RevealArgsSchema, UserAdminPageSchema, UserAdminSchema, UserArgsSchema,
                      UserCreateSchema, UserPatchSchema, VarietyArgsSchema, VarietyCreateSchema,
                      VarietyPageSchema, VarietyPatchSchema, VarietySchema, VillageCreateSchema,
                      VillageGroupArgsSchema, VillageGroupCreateSchema, VillageGroupPageSchema,
                      VillageGroupPatchSchema, VillageGroupSchema, VillagePageSchema,
                      VillagePatchSchema, VillageSchema)

URL_PREFIX = ""
blp = Blueprint("reference_api", __name__,
                description="Villages, party groups, households, products, grade tables and logins")


def _page(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args.get(k) for k in ("page", "per_page")}


# --- villages -----------------------------------------------------------------------

@blp.route("/villages")
class Villages(MethodView):
    @roles_first(*common.STAFF)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, VillagePageSchema)
    def get(self, args):
        """Villages, by area code (staff)."""
        return paginate(villages.villages_query(current_user), args)

    @roles_first(RoleName.ADMIN)
    @creates
    @blp.arguments(VillageCreateSchema)
    @blp.response(201, VillageSchema)
    def post(self, body):
        """Add a village (admin). A taken area code is 409."""
        return villages.create_village(current_user, **body)


@blp.route("/villages/<int:village_id>")
class VillageItem(MethodView):
    @blp.response(200, VillageSchema)
    def get(self, village_id):
        """One village (staff)."""
        return villages.get_village(current_user, village_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(VillagePatchSchema)
    @blp.response(200, VillageSchema)
    def patch(self, body, village_id):
        """Change a village (admin)."""
        village = villages.get_village(current_user, village_id)
        villages.update_village(current_user, village, **body)
        db.session.commit()
        return village


@blp.route("/village-groups")
class VillageGroups(MethodView):
    @roles_first(*common.STAFF)
    @blp.arguments(VillageGroupArgsSchema, location="query")
    @blp.response(200, VillageGroupPageSchema)
    def get(self, args):
        """Village groups (组), optionally of one village (staff)."""
        return paginate(villages.village_groups_query(current_user, village_id=args.get("village_id")), _page(args))

    @roles_first(RoleName.ADMIN)
    @creates
    @blp.arguments(VillageGroupCreateSchema)
    @blp.response(201, VillageGroupSchema)
    def post(self, body):
        """Add a group to a village (admin). A taken number is 409."""
        return villages.create_village_group(current_user, **body)


@blp.route("/village-groups/<int:group_id>")
class VillageGroupItem(MethodView):
    @blp.response(200, VillageGroupSchema)
    def get(self, group_id):
        """One village group (staff)."""
        return villages.get_village_group(current_user, group_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(VillageGroupPatchSchema)
    @blp.response(200, VillageGroupSchema)
    def patch(self, body, group_id):
        """Renumber or rename a group (admin)."""
        group = villages.get_village_group(current_user, group_id)
        villages.update_village_group(current_user, group, **body)
        db.session.commit()
        return group


@blp.route("/party-branches")
class PartyBranches(MethodView):
    @roles_first(*common.STAFF)
    @blp.arguments(PartyBranchArgsSchema, location="query")
    @blp.response(200, PartyBranchPageSchema)
    def get(self, args):
        """Party branches (党支部), optionally of one village (staff)."""
        return paginate(party.party_branches_query(current_user, village_id=args.get("village_id")), _page(args))

    @roles_first(RoleName.ADMIN)
    @creates
    @blp.arguments(PartyBranchCreateSchema)
    @blp.response(201, PartyBranchSchema)
    def post(self, body):
        """Add a party branch (admin)."""
        return party.create_party_branch(current_user, **body)


@blp.route("/party-branches/<int:branch_id>")
class PartyBranchItem(MethodView):
    @blp.response(200, PartyBranchSchema)
    def get(self, branch_id):
        """One party branch (staff)."""
        return party.get_party_branch(current_user, branch_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(PartyBranchPatchSchema)
    @blp.response(200, PartyBranchSchema)
    def patch(self, body, branch_id):
        """Change a party branch (admin)."""
        branch = party.get_party_branch(current_user, branch_id)
        party.update_party_branch(current_user, branch, **body)
        db.session.commit()
        return branch


@blp.route("/party-groups")
class PartyGroups(MethodView):
    @roles_first(*common.STAFF)
    @blp.arguments(PartyGroupArgsSchema, location="query")
    @blp.response(200, PartyGroupPageSchema)
    def get(self, args):
        """Party groups (党小组), optionally of one branch or village (staff)."""
        return paginate(party.party_groups_query(current_user, branch_id=args.get("branch_id"),
                                                 village_id=args.get("village_id")), _page(args))

    @roles_first(RoleName.ADMIN)
    @creates
    @blp.arguments(PartyGroupCreateSchema)
    @blp.response(201, PartyGroupSchema)
    def post(self, body):
        """Add a party group to a branch (admin)."""
        return party.create_party_group(current_user, **body)


@blp.route("/party-groups/<int:party_group_id>")
class PartyGroupItem(MethodView):
    @blp.response(200, PartyGroupSchema)
    def get(self, party_group_id):
        """One party group (staff)."""
        return party.get_party_group(current_user, party_group_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(PartyGroupPatchSchema)
    @blp.response(200, PartyGroupSchema)
    def patch(self, body, party_group_id):
        """Rename a party group or change its leader (admin)."""
        group = party.get_party_group(current_user, party_group_id)
        party.update_party_group(current_user, group, **body)
        db.session.commit()
        return group


# --- households ---------------------------------------------------------------------

@blp.route("/households")
class Households(MethodView):
    @roles_first(RoleName.VILLAGER, *common.STAFF)
    @blp.arguments(HouseholdArgsSchema, location="query")
    @blp.response(200, HouseholdPageSchema)
    def get(self, args):
        """Households the caller may see, with masked ID, phone and account numbers."""
        statement = households.households_query(
            current_user, village_id=args.get("village_id"), party_group_id=args.get("party_group_id"),
            search=args.get("q"), active=args.get("active"))
        statement = statement.options(selectinload(Household.village), selectinload(Household.group),
                                      selectinload(Household.party_group))
        page = paginate(statement, _page(args))
        page["items"] = households.households_view(current_user, page["items"])
        db.session.commit()  # a search by a full phone number is audited
        return page

    @roles_first(*households.HOUSEHOLD_WRITERS)
    @creates
    @blp.arguments(HouseholdCreateSchema)
    @blp.response(201, HouseholdSchema)
    def post(self, body):
        """Register a household (coordinator or admin). A registered ID number is 409."""
        household = households.create_household(current_user, **body)
        return households.household_view(current_user, household)


@blp.route("/households/<int:household_id>")
class HouseholdItem(MethodView):
    @roles_first(RoleName.VILLAGER, *common.STAFF)
    @blp.arguments(RevealArgsSchema, location="query")
    @blp.response(200, HouseholdSchema)
    def get(self, args, household_id):
        """One household, masked; ``?reveal=1`` shows full numbers to accountants and admins
        and records the view in the audit log."""
        household = households.get_household(current_user, household_id)
        view = households.household_view(current_user, household, reveal=args["reveal"], reason=args.get("reason"))
        if args["reveal"]:
            db.session.commit()
        return view

    @roles_first(*households.HOUSEHOLD_WRITERS)
    @blp.arguments(HouseholdPatchSchema)
    @blp.response(200, HouseholdSchema)
    @blp.alt_response(202, schema=HouseholdSchema, description="saved, and a change of payout method or account "
                      "waits for an accountant's approval (payee_change): until then payouts go where they went")
    def patch(self, body, household_id):
        """Change a household (coordinator or admin); numbers left out stay as they are. A change
        of payout method, bank or account is a request an accountant other than the requester
        approves (``/payee-changes``); the answer is then 202."""
        household = households.get_household(current_user, household_id)
        before = payee_changes.pending_for(household.id)
        households.update_household(current_user, household, **body)
        db.session.commit()
        after = payee_changes.pending_for(household.id)
        view = households.household_view(current_user, household)
        if after is not None and (before is None or after.id != before.id):
            return view, 202
        return view


# --- payee changes (four eyes) --------------------------------------------------------

@blp.route("/payee-changes")
@roles_first(*payee_changes.READERS)
@blp.arguments(PayeeChangeArgsSchema, location="query")
@blp.response(200, page_schema(PayeeChangeSchema))
def list_payee_changes(args):
    """Requests to change where households are paid, newest first, numbers in full (accountants and
    admins; each reading is audited)."""
    result = paginate(payee_changes.changes_query(current_user, args.get("status")), args)
    payee_changes.record_reading(current_user, [change.id for change in result["items"]])
    db.session.commit()
    return result


@blp.route("/payee-changes/<int:change_id>/approve", methods=["POST"])
@roles_first(*payee_changes.APPROVERS)
@blp.response(200, PayeeChangeSchema)
def approve_payee_change(change_id: int):
    """An accountant who did not ask for the change applies it; 409 for one's own or a decided one."""
    change = payee_changes.approve(current_user, change_id)
    db.session.commit()
    return change


@blp.route("/payee-changes/<int:change_id>/reject", methods=["POST"])
@roles_first(*payee_changes.APPROVERS)
@blp.arguments(PayeeChangeRejectSchema)
@blp.response(200, PayeeChangeSchema)
def reject_payee_change(body, change_id: int):
    """An accountant turns the change down with a reason; the household keeps its account."""
    change = payee_changes.reject(current_user, change_id, body["reason"])
    db.session.commit()
    return change


# --- catalogue ----------------------------------------------------------------------

@blp.route("/products")
class Products(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ProductPageSchema)
    def get(self, args):
        """Products, e.g. 桃."""
        return paginate(catalogue.products_query(current_user), args)

    @roles_first(RoleName.ADMIN)
    @creates
    @blp.arguments(ProductCreateSchema)
    @blp.response(201, ProductSchema)
    def post(self, body):
        """Add a product (admin)."""
        return catalogue.create_product(current_user, **body)


@blp.route("/products/<int:product_id>")
class ProductItem(MethodView):
    @blp.response(200, ProductSchema)
    def get(self, product_id):
        """One product."""
        return catalogue.get_product(current_user, product_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(ProductPatchSchema)
    @blp.response(200, ProductSchema)
    def patch(self, body, product_id):
        """Rename a product (admin)."""
        product = catalogue.get_product(current_user, product_id)
        catalogue.update_product(current_user, product, **body)
        db.session.commit()
        return product


@blp.route("/products/<int:product_id>/sales-vat")
class ProductSalesVat(MethodView):
    @roles_first(*catalogue.VAT_EDITORS)
    @blp.arguments(ProductSalesVatSchema)
    @blp.response(200, ProductSchema)
    def put(self, body, product_id):
        """Set how the product's sales are taxed: taxable at a rate, or exempt with its basis
        (admins and accountants)."""
        product = catalogue.get_product(current_user, product_id)
        catalogue.set_sales_vat(current_user, product, **body)
        db.session.commit()
        return product


@blp.route("/varieties")
class Varieties(MethodView):
    @blp.arguments(VarietyArgsSchema, location="query")
    @blp.response(200, VarietyPageSchema)
    def get(self, args):
        """Varieties, optionally of one product."""
        return paginate(catalogue.varieties_query(current_user, product_id=args.get("product_id")), _page(args))

    @roles_first(RoleName.ADMIN)
    @creates
    @blp.arguments(VarietyCreateSchema)
    @blp.response(201, VarietySchema)
    def post(self, body):
        """Add a variety to a product (admin)."""
        return catalogue.create_variety(current_user, **body)


@blp.route("/varieties/<int:variety_id>")
class VarietyItem(MethodView):
    @blp.response(200, VarietySchema)
    def get(self, variety_id):
        """One variety."""
        return catalogue.get_variety(current_user, variety_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(VarietyPatchSchema)
    @blp.response(200, VarietySchema)
    def patch(self, body, variety_id):
        """Rename a variety (admin)."""
        variety = catalogue.get_variety(current_user, variety_id)
        catalogue.update_variety(current_user, variety, **body)
        db.session.commit()
        return variety


@blp.route("/grade-tables")
class GradeTables(MethodView):
    @blp.arguments(GradeTableArgsSchema, location="query")
    @blp.response(200, GradeTablePageSchema)
    def get(self, args):
        """Grade tables with their grades, optionally of one product."""
        return paginate(catalogue.grade_tables_query(current_user, product_id=args.get("product_id")), _page(args))

    @roles_first(RoleName.ADMIN)
    @creates
    @blp.arguments(GradeTableCreateSchema)
    @blp.response(201, GradeTableSchema)
    def post(self, body):
        """Add a grade table with its grades (admin). A product's first table is its default."""
        return catalogue.create_grade_table(current_user, **body)


@blp.route("/grade-tables/<int:table_id>")
class GradeTableItem(MethodView):
    @blp.response(200, GradeTableSchema)
    def get(self, table_id):
        """One grade table with its grades, best first."""
        return catalogue.get_grade_table(current_user, table_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(GradeTablePatchSchema)
    @blp.response(200, GradeTableSchema)
    def patch(self, body, table_id):
        """Rename a table or make it the default (admin)."""
        table = catalogue.get_grade_table(current_user, table_id)
        catalogue.update_grade_table(current_user, table, **body)
        db.session.commit()
        return table


@blp.route("/grade-tables/<int:table_id>/grades", methods=["POST"])
@roles_first(RoleName.ADMIN)
@creates
@blp.arguments(GradeCreateSchema)
@blp.response(201, GradeSchema)
def create_grade(body, table_id):
    """Add a grade to a table (admin)."""
    catalogue.get_grade_table(current_user, table_id)
    return catalogue.create_grade(current_user, table_id=table_id, **body)


@blp.route("/grades/<int:grade_id>")
class GradeItem(MethodView):
    @blp.response(200, GradeSchema)
    def get(self, grade_id):
        """One grade."""
        return catalogue.get_grade(current_user, grade_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(GradePatchSchema)
    @blp.response(200, GradeSchema)
    def patch(self, body, grade_id):
        """Change a grade's code, name, rank, minimums or differential (admin)."""
        grade = catalogue.get_grade(current_user, grade_id)
        catalogue.update_grade(current_user, grade, **body)
        db.session.commit()
        return grade


# --- users --------------------------------------------------------------------------

@blp.route("/users")
class Users(MethodView):
    @roles_first(RoleName.ADMIN)
    @blp.arguments(UserArgsSchema, location="query")
    @blp.response(200, UserAdminPageSchema)
    def get(self, args):
        """Logins (admin)."""
        return paginate(users.users_query(current_user, search=args.get("q"), role=args.get("role")),
                        _page(args))

    @roles_first(RoleName.ADMIN)
    @creates
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserAdminSchema)
    def post(self, body):
        """Create a login (admin). A taken phone number is 409."""
        return users.admin_create_user(current_user, **body)


@blp.route("/users/<int:user_id>")
class UserItem(MethodView):
    @blp.response(200, UserAdminSchema)
    def get(self, user_id):
        """One login (admin)."""
        return users.get_user(current_user, user_id)

    @roles_first(RoleName.ADMIN)
    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserAdminSchema)
    def patch(self, body, user_id):
        """Change roles, links, enabled state or password of a login (admin)."""
        user = users.get_user(current_user, user_id)
        users.admin_update_user(current_user, user, **body)
        db.session.commit()
        return user
