"""What the reference pages share: the form handler with the services' field names, choice
lists, the plain form page.
"""
from __future__ import annotations

from flask import render_template
from flask_wtf import FlaskForm
from sqlalchemy import select

from models import Buyer, Household, PartyBranch, PartyGroup, Village, VillageGroup, db

from ... import pages
from ..forms import choice

PER_PAGE = 50


def _last_part(name: str) -> str:
    return name.split(".")[-1]


def submit(form: FlaskForm, action, **kwargs) -> pages.Outcome:
    """``pages.submit``, a service's dotted field names (``grade.code``) put on the form's own (``code``)."""
    return pages.submit(form, action, rename=_last_part, **kwargs)


def village_choices() -> list:
    villages = db.session.scalars(select(Village).order_by(Village.code))
    return [choice(None, "—")] + [choice(v.id, f"{v.name}（{v.township}）" if v.township else v.name)
                                  for v in villages]


def group_choices() -> list:
    groups = db.session.scalars(select(VillageGroup).join(Village).order_by(Village.code, VillageGroup.number))
    return [choice(None, "—")] + [choice(g.id, f"{g.village.name} {g.name}", optgroup=g.village.name)
                                  for g in groups]


def party_group_choices() -> list:
    groups = db.session.scalars(select(PartyGroup).join(PartyBranch).order_by(PartyBranch.name, PartyGroup.id))
    return [choice(None, "—")] + [choice(g.id, f"{g.branch.name} {g.name}", optgroup=g.branch.name)
                                  for g in groups]


def buyer_choices() -> list:
    buyers = db.session.scalars(select(Buyer).order_by(Buyer.name))
    return [choice(None, "—")] + [choice(b.id, b.name) for b in buyers]


def household_choices() -> list:
    households = db.session.scalars(select(Household).join(Village).order_by(Village.code, Household.id))
    return [choice(None, "—")] + [choice(h.id, h.head_name, optgroup=h.village.name) for h in households]


def render_form(title: str, form: FlaskForm, back: str, status: int = 200, intro: str | None = None):
    return render_template("reference/form.html", title=title, form=form, back=back, intro=intro), status
