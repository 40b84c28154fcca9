"""Exact column types: integers in the database, ``Decimal`` in Python.

Money is stored as integer fen, weight as integer grams, prices as integer fen per
kilogram, areas as hundredths of a 亩 and percentages as hundredths of a percent.
SQLite has no exact decimal, so ``Numeric`` is never used for these. A float is refused
at the boundary: it has already lost the exact value.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Enum, String
from sqlalchemy.types import TypeDecorator


class ScaledDecimal(TypeDecorator):
    """A ``Decimal`` with a fixed number of places, stored as a scaled ``BIGINT``."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self._quantum = Decimal(1).scaleb(-places)

    def process_bind_param(self, value: Any, dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or isinstance(value, float):
            raise TypeError(f"exact column refuses {type(value).__name__} {value!r}")
        if isinstance(value, int):
            value = Decimal(value)
        if not isinstance(value, Decimal):
            raise TypeError(f"exact column needs Decimal, got {type(value).__name__}")
        if not value.is_finite():
            raise ValueError(f"exact column refuses {value}")
        scaled = value.scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places).quantize(self._quantum)

    @property
    def python_type(self) -> type:
        return Decimal


#: 元, stored as integer fen.
Money = ScaledDecimal(2)
#: 公斤, stored as integer grams.
Weight = ScaledDecimal(3)
#: 元/公斤, stored as integer fen per kilogram.
Price = ScaledDecimal(2)
#: 亩, stored as hundredths.
Area = ScaledDecimal(2)
#: percent (12.50 means 12.5 %), stored as hundredths of a percent.
Percent = ScaledDecimal(2)
#: kilometres, stored as tens of metres.
Distance = ScaledDecimal(2)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use UTC")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """Enums stored as their values in a VARCHAR, identical on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


__all__ = ["ScaledDecimal", "Money", "Weight", "Price", "Area", "Percent", "Distance", "UTCDateTime",
           "enum_column", "String"]
