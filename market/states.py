"""State machines as tables: ``{(from, action): to}``. One place says what is allowed."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Generic, Mapping, TypeVar

from flask_babel import lazy_gettext as _l

from . import audit
from .errors import InvalidTransition

S = TypeVar("S", bound=enum.Enum)


@dataclass(frozen=True)
class StateMachine(Generic[S]):
    """A transition table for one kind of record.

    :param name: audit prefix, e.g. ``purchase_contract``
    :param table: ``{(current_state, action): next_state}``
    """

    name: str
    table: Mapping[tuple[S, str], S]
    field: str = "status"

    def allowed_actions(self, state: S) -> list[str]:
        return [action for (current, action) in self.table if current == state]

    def can(self, obj: Any, action: str) -> bool:
        return (getattr(obj, self.field), action) in self.table

    def apply(self, actor: Any, obj: Any, action: str, *, reason: str | None = None) -> S:
        """Move ``obj`` by ``action`` and audit it.

        :raises InvalidTransition: the table has no such move from the current state.
        """
        current = getattr(obj, self.field)
        target = self.table.get((current, action))
        if target is None:
            raise InvalidTransition(_l("This step is not allowed from the current status."))
        setattr(obj, self.field, target)
        audit.record(actor, f"{self.name}.{action}", obj, before={self.field: current},
                     after={self.field: target}, reason=reason)
        return target
