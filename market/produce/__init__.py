from flask import Blueprint

bp = Blueprint("produce", __name__, url_prefix="/lots")

from . import views  # noqa: E402,F401
