"""Named hooks: one feature asks a question at a fixed point, another answers it, and neither
imports the other.

A hook has at most one answer, connected when the app is built (``create_app`` runs the
subscribers listed in :mod:`market.registry`). Calling a hook nobody answers is a programming
error, not a user's mistake, so it raises :class:`LookupError`.

Weighing a slip against a buyer order's allocation line
    :func:`market.weighing.services.issue_slip` weighs; the order's collection rules are
    fulfilment's (:mod:`market.fulfilment.collection`), which answers the four hooks below.
"""
from __future__ import annotations

from typing import Any, Callable


class Hook:
    """A named question; :meth:`connect` gives it its answer, calling it asks."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._answer: Callable[..., Any] | None = None

    def connect(self, answer: Callable[..., Any]) -> Callable[..., Any]:
        """Answer this hook with ``answer``; connecting the same answer again changes nothing.

        :raises ValueError: another answer is already connected.
        """
        if self._answer is not None and self._answer is not answer:
            raise ValueError(f"hook {self.name} is already answered by {self._answer!r}")
        self._answer = answer
        return answer

    def disconnect(self) -> None:
        self._answer = None

    @property
    def connected(self) -> bool:
        return self._answer is not None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._answer is None:
            raise LookupError(f"nothing answers hook {self.name}: build the app with create_app()")
        return self._answer(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"


allocation_for_slip = Hook(
    "allocation_for_slip",
    "(actor, allocation_id, *, household, variety, replaces) → the confirmed allocation line a slip "
    "is weighed against, checked, with its order locked; raises ValidationFailed.")
check_slip_room = Hook(
    "check_slip_room",
    "(line, net: Weight, *, reissue: bool) → None; raises ValidationFailed when the slip would take "
    "the line past its allocation plus one crate, or the line is closed.")
order_price = Hook(
    "order_price",
    "(line, grade_id) → the order's farm-gate PriceDecision for the grade; raises ValidationFailed "
    "below the order's minimum grade.")
slip_collected = Hook(
    "slip_collected",
    "(actor, slip, line, replaces) → None, after a slip is weighed against a line: the order and "
    "the lot move on, a re-issued slip takes its predecessor's place in a shipment.")
