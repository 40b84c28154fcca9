"""Rules the database itself enforces beyond the models' constraints (triggers).

Installed by the migrations and, for tests that build the schema with ``create_all``, by
:func:`install`. Empty until the ledger needs its triggers.
"""
from __future__ import annotations

from sqlalchemy.engine import Engine

SQLITE: list[str] = []
POSTGRESQL: list[str] = []


def statements(dialect: str) -> list[str]:
    return POSTGRESQL if dialect == "postgresql" else SQLITE


def install(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in statements(engine.dialect.name):
            conn.exec_driver_sql(statement)
