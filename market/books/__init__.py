"""The books (账簿): trial balance, ledgers, vouchers and their review, periods, statements for
households and buyers, exported as CSV and XLSX; and a villager's own statement (对账单)."""
from flask import Blueprint

bp = Blueprint("books", __name__)

from . import views  # noqa: E402,F401
