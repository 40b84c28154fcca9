"""Settlement reversals (结算单冲销): a posted settlement undone as a whole, through review, and the
payments it had taken carried to the settlement that corrects it."""

from .views import bp

__all__ = ["bp"]
