from flask import Blueprint

bp = Blueprint("weighing", __name__, url_prefix="/slips")

from . import views  # noqa: E402,F401
