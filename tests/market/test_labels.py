"""Every status, unit and kind a person can see has a translated name of its own."""
from __future__ import annotations

import enum

import pytest

import models
from market.labels import LABELS, label

ENUMS = [obj for obj in vars(models).values()
         if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj.__module__.startswith("models")]


@pytest.mark.parametrize("enum_cls", ENUMS, ids=lambda e: e.__name__)
def test_every_enum_value_has_a_label(enum_cls):
    assert [m.value for m in enum_cls if (enum_cls, m.value) not in LABELS] == []


def test_values_shared_by_two_enums_keep_their_own_labels(app):
    with app.test_request_context():
        assert label(models.PriceMechanism.FIXED) == "固定价格"
        assert label(models.DeductionKind.FIXED) == "固定扣重（公斤）"
