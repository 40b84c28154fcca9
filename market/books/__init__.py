"""The books (账簿): trial balance, ledgers, vouchers and their review, periods, statements for
households and buyers, exported as CSV and XLSX; and a villager's own statement (对账单).

One module per book (:mod:`.statements`, :mod:`.ageing`, :mod:`.trial_balance`,
:mod:`.ledgers`, :mod:`.vouchers`, :mod:`.periods`), the pages in :mod:`.views`, the JSON API
in :mod:`.api`, downloads in :mod:`.tables` and :mod:`.exports`.
"""
from .views import bp

__all__ = ["bp"]
