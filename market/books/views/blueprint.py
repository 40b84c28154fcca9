"""The books' pages' one blueprint; the modules beside this one add its routes."""
from flask import Blueprint

from ..periods import month_choices

bp = Blueprint("books", __name__)


@bp.context_processor
def _month_choices():
    """``book_months()`` for the month pickers (``books/_macros.html``: ``month_select``)."""
    return {"book_months": month_choices}
