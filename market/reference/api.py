"""JSON API of the reference feature: villages, party organisation, households, catalogue, users.

Reads: the catalogue to anyone signed in; villages and party organisation to staff;
households by the household rule (staff all, a villager their own, buyers none); users to
admins. Writes as in :mod:`market.reference.services`.
"""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user

from models import db

from ..api import Blueprint, PageArgsSchema, creates, paginate
from . import services
from .schemas import (GradeCreateSchema, GradePatchSchema, GradeSchema, GradeTableArgsSchema,
                      GradeTableCreateSchema, GradeTablePageSchema, GradeTablePatchSchema,
                      GradeTableSchema, HouseholdArgsSchema, HouseholdCreateSchema, HouseholdPageSchema,
                      HouseholdPatchSchema, HouseholdSchema, PartyBranchArgsSchema,
                      PartyBranchCreateSchema, PartyBranchPageSchema, PartyBranchPatchSchema,
                      PartyBranchSchema, PartyGroupArgsSchema, PartyGroupCreateSchema,
                      PartyGroupPageSchema, PartyGroupPatchSchema, PartyGroupSchema,
                      ProductCreateSchema, ProductPageSchema, ProductPatchSchema, ProductSchema,
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
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, VillagePageSchema)
    def get(self, args):
        """Villages, by area code (staff)."""
        return paginate(services.villages_query(current_user), args)

    @creates
    @blp.arguments(VillageCreateSchema)
    @blp.response(201, VillageSchema)
    def post(self, body):
        """Add a village (admin). A taken area code is 409."""
        return services.create_village(current_user, **body)


@blp.route("/villages/<int:village_id>")
class VillageItem(MethodView):
    @blp.response(200, VillageSchema)
    def get(self, village_id):
        """One village (staff)."""
        return services.get_village(current_user, village_id)

    @blp.arguments(VillagePatchSchema)
    @blp.response(200, VillageSchema)
    def patch(self, body, village_id):
        """Change a village (admin)."""
        village = services.get_village(current_user, village_id)
        services.update_village(current_user, village, **body)
        db.session.commit()
        return village


@blp.route("/village-groups")
class VillageGroups(MethodView):
    @blp.arguments(VillageGroupArgsSchema, location="query")
    @blp.response(200, VillageGroupPageSchema)
    def get(self, args):
        """Village groups (组), optionally of one village (staff)."""
        return paginate(services.village_groups_query(current_user, village_id=args.get("village_id")), _page(args))

    @creates
    @blp.arguments(VillageGroupCreateSchema)
    @blp.response(201, VillageGroupSchema)
    def post(self, body):
        """Add a group to a village (admin). A taken number is 409."""
        return services.create_village_group(current_user, **body)


@blp.route("/village-groups/<int:group_id>")
class VillageGroupItem(MethodView):
    @blp.response(200, VillageGroupSchema)
    def get(self, group_id):
        """One village group (staff)."""
        return services.get_village_group(current_user, group_id)

    @blp.arguments(VillageGroupPatchSchema)
    @blp.response(200, VillageGroupSchema)
    def patch(self, body, group_id):
        """Renumber or rename a group (admin)."""
        group = services.get_village_group(current_user, group_id)
        services.update_village_group(current_user, group, **body)
        db.session.commit()
        return group


@blp.route("/party-branches")
class PartyBranches(MethodView):
    @blp.arguments(PartyBranchArgsSchema, location="query")
    @blp.response(200, PartyBranchPageSchema)
    def get(self, args):
        """Party branches (党支部), optionally of one village (staff)."""
        return paginate(services.party_branches_query(current_user, village_id=args.get("village_id")), _page(args))

    @creates
    @blp.arguments(PartyBranchCreateSchema)
    @blp.response(201, PartyBranchSchema)
    def post(self, body):
        """Add a party branch (admin)."""
        return services.create_party_branch(current_user, **body)


@blp.route("/party-branches/<int:branch_id>")
class PartyBranchItem(MethodView):
    @blp.response(200, PartyBranchSchema)
    def get(self, branch_id):
        """One party branch (staff)."""
        return services.get_party_branch(current_user, branch_id)

    @blp.arguments(PartyBranchPatchSchema)
    @blp.response(200, PartyBranchSchema)
    def patch(self, body, branch_id):
        """Change a party branch (admin)."""
        branch = services.get_party_branch(current_user, branch_id)
        services.update_party_branch(current_user, branch, **body)
        db.session.commit()
        return branch


@blp.route("/party-groups")
class PartyGroups(MethodView):
    @blp.arguments(PartyGroupArgsSchema, location="query")
    @blp.response(200, PartyGroupPageSchema)
    def get(self, args):
        """Party groups (党小组), optionally of one branch or village (staff)."""
        return paginate(services.party_groups_query(current_user, branch_id=args.get("branch_id"),
                                                    village_id=args.get("village_id")), _page(args))

    @creates
    @blp.arguments(PartyGroupCreateSchema)
    @blp.response(201, PartyGroupSchema)
    def post(self, body):
        """Add a party group to a branch (admin)."""
        return services.create_party_group(current_user, **body)


@blp.route("/party-groups/<int:party_group_id>")
class PartyGroupItem(MethodView):
    @blp.response(200, PartyGroupSchema)
    def get(self, party_group_id):
        """One party group (staff)."""
        return services.get_party_group(current_user, party_group_id)

    @blp.arguments(PartyGroupPatchSchema)
    @blp.response(200, PartyGroupSchema)
    def patch(self, body, party_group_id):
        """Rename a party group or change its leader (admin)."""
        group = services.get_party_group(current_user, party_group_id)
        services.update_party_group(current_user, group, **body)
        db.session.commit()
        return group


# --- households ---------------------------------------------------------------------

@blp.route("/households")
class Households(MethodView):
    @blp.arguments(HouseholdArgsSchema, location="query")
    @blp.response(200, HouseholdPageSchema)
    def get(self, args):
        """Households the caller may see, with masked ID, phone and account numbers."""
        statement = services.households_query(
            current_user, village_id=args.get("village_id"), party_group_id=args.get("party_group_id"),
            search=args.get("q"), active=args.get("active"))
        page = paginate(statement, _page(args))
        page["items"] = [services.household_view(current_user, h) for h in page["items"]]
        return page

    @creates
    @blp.arguments(HouseholdCreateSchema)
    @blp.response(201, HouseholdSchema)
    def post(self, body):
        """Register a household (coordinator or admin). A registered ID number is 409."""
        household = services.create_household(current_user, **body)
        return services.household_view(current_user, household)


@blp.route("/households/<int:household_id>")
class HouseholdItem(MethodView):
    @blp.arguments(RevealArgsSchema, location="query")
    @blp.response(200, HouseholdSchema)
    def get(self, args, household_id):
        """One household, masked; ``?reveal=1`` shows full numbers to accountants and admins
        and records the view in the audit log."""
        household = services.get_household(current_user, household_id)
        view = services.household_view(current_user, household, reveal=args["reveal"], reason=args.get("reason"))
        if args["reveal"]:
            db.session.commit()
        return view

    @blp.arguments(HouseholdPatchSchema)
    @blp.response(200, HouseholdSchema)
    def patch(self, body, household_id):
        """Change a household (coordinator or admin); numbers left out stay as they are."""
        household = services.get_household(current_user, household_id)
        services.update_household(current_user, household, **body)
        db.session.commit()
        return services.household_view(current_user, household)


# --- catalogue ----------------------------------------------------------------------

@blp.route("/products")
class Products(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ProductPageSchema)
    def get(self, args):
        """Products, e.g. 桃."""
        return paginate(services.products_query(current_user), args)

    @creates
    @blp.arguments(ProductCreateSchema)
    @blp.response(201, ProductSchema)
    def post(self, body):
        """Add a product (admin)."""
        return services.create_product(current_user, **body)


@blp.route("/products/<int:product_id>")
class ProductItem(MethodView):
    @blp.response(200, ProductSchema)
    def get(self, product_id):
        """One product."""
        return services.get_product(current_user, product_id)

    @blp.arguments(ProductPatchSchema)
    @blp.response(200, ProductSchema)
    def patch(self, body, product_id):
        """Rename a product (admin)."""
        product = services.get_product(current_user, product_id)
        services.update_product(current_user, product, **body)
        db.session.commit()
        return product


@blp.route("/varieties")
class Varieties(MethodView):
    @blp.arguments(VarietyArgsSchema, location="query")
    @blp.response(200, VarietyPageSchema)
    def get(self, args):
        """Varieties, optionally of one product."""
        return paginate(services.varieties_query(current_user, product_id=args.get("product_id")), _page(args))

    @creates
    @blp.arguments(VarietyCreateSchema)
    @blp.response(201, VarietySchema)
    def post(self, body):
        """Add a variety to a product (admin)."""
        return services.create_variety(current_user, **body)


@blp.route("/varieties/<int:variety_id>")
class VarietyItem(MethodView):
    @blp.response(200, VarietySchema)
    def get(self, variety_id):
        """One variety."""
        return services.get_variety(current_user, variety_id)

    @blp.arguments(VarietyPatchSchema)
    @blp.response(200, VarietySchema)
    def patch(self, body, variety_id):
        """Rename a variety (admin)."""
        variety = services.get_variety(current_user, variety_id)
        services.update_variety(current_user, variety, **body)
        db.session.commit()
        return variety


@blp.route("/grade-tables")
class GradeTables(MethodView):
    @blp.arguments(GradeTableArgsSchema, location="query")
    @blp.response(200, GradeTablePageSchema)
    def get(self, args):
        """Grade tables with their grades, optionally of one product."""
        return paginate(services.grade_tables_query(current_user, product_id=args.get("product_id")), _page(args))

    @creates
    @blp.arguments(GradeTableCreateSchema)
    @blp.response(201, GradeTableSchema)
    def post(self, body):
        """Add a grade table with its grades (admin). A product's first table is its default."""
        return services.create_grade_table(current_user, **body)


@blp.route("/grade-tables/<int:table_id>")
class GradeTableItem(MethodView):
    @blp.response(200, GradeTableSchema)
    def get(self, table_id):
        """One grade table with its grades, best first."""
        return services.get_grade_table(current_user, table_id)

    @blp.arguments(GradeTablePatchSchema)
    @blp.response(200, GradeTableSchema)
    def patch(self, body, table_id):
        """Rename a table or make it the default (admin)."""
        table = services.get_grade_table(current_user, table_id)
        services.update_grade_table(current_user, table, **body)
        db.session.commit()
        return table


@blp.route("/grade-tables/<int:table_id>/grades", methods=["POST"])
@creates
@blp.arguments(GradeCreateSchema)
@blp.response(201, GradeSchema)
def create_grade(body, table_id):
    """Add a grade to a table (admin)."""
    services.get_grade_table(current_user, table_id)
    return services.create_grade(current_user, table_id=table_id, **body)


@blp.route("/grades/<int:grade_id>")
class GradeItem(MethodView):
    @blp.response(200, GradeSchema)
    def get(self, grade_id):
        """One grade."""
        return services.get_grade(current_user, grade_id)

    @blp.arguments(GradePatchSchema)
    @blp.response(200, GradeSchema)
    def patch(self, body, grade_id):
        """Change a grade's code, name, rank, minimums or differential (admin)."""
        grade = services.get_grade(current_user, grade_id)
        services.update_grade(current_user, grade, **body)
        db.session.commit()
        return grade


# --- users --------------------------------------------------------------------------

@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserArgsSchema, location="query")
    @blp.response(200, UserAdminPageSchema)
    def get(self, args):
        """Logins (admin)."""
        return paginate(services.users_query(current_user, search=args.get("q"), role=args.get("role")),
                        _page(args))

    @creates
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserAdminSchema)
    def post(self, body):
        """Create a login (admin). A taken phone number is 409."""
        return services.admin_create_user(current_user, **body)


@blp.route("/users/<int:user_id>")
class UserItem(MethodView):
    @blp.response(200, UserAdminSchema)
    def get(self, user_id):
        """One login (admin)."""
        return services.get_user(current_user, user_id)

    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserAdminSchema)
    def patch(self, body, user_id):
        """Change roles, links, enabled state or password of a login (admin)."""
        user = services.get_user(current_user, user_id)
        services.admin_update_user(current_user, user, **body)
        db.session.commit()
        return user
