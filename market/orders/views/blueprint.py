"""The orders' pages' one blueprint, under /orders; the modules beside this one add its routes."""
from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/orders")
