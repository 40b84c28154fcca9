"""Every check of ``flask ledger verify`` in one list: the ledger's own rules, each document against its
vouchers, the stock against 1405, and every party's balance against its documents."""
from __future__ import annotations


def problems() -> list[str]:
    """Each breach found, in words; an empty list means the books hold."""
    from ..adjustments.services import verify as verify_adjustments
    from .parties import verify as verify_parties
    from ..ledger.services import verify as verify_ledger
    from ..payments.services import verify as verify_payments
    from ..reversals.services import verify as verify_reversals
    from ..settlements.services import verify as verify_settlements
    from ..stock.services import verify as verify_stock

    return (verify_ledger() + verify_settlements() + verify_payments() + verify_stock() + verify_adjustments()
            + verify_reversals() + verify_parties())
