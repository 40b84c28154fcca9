"""The books' pages' one blueprint; the modules beside this one add its routes."""
from flask import Blueprint

bp = Blueprint("books", __name__)
