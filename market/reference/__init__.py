from flask import Blueprint

bp = Blueprint("reference", __name__, url_prefix="/admin")

from . import views  # noqa: E402,F401
