"""The reference pages' one blueprint, under /admin; the modules beside this one add its routes."""
from flask import Blueprint

bp = Blueprint("reference", __name__, url_prefix="/admin")
