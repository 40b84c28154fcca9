"""What ``create_app`` assembles: every feature's page blueprint and API module, and the features
that answer another feature's hooks (:mod:`market.hooks`).

This is the one module that knows every feature; nothing but the app factory imports it.
"""
from __future__ import annotations

from .adjustments import api as adjustments_api
from .adjustments import bp as adjustments_bp
from .auth import api as auth_api
from .auth import bp as auth_bp
from .books import api as books_api
from .books import bp as books_bp
from .contracts import api as contracts_api
from .contracts import bp as contracts_bp
from .deposits import api as deposits_api
from .deposits import bp as deposits_bp
from .fulfilment import api as fulfilment_api
from .fulfilment import bp as fulfilment_bp
from .fulfilment import collection as fulfilment_collection
from .input_credits import api as input_credits_api
from .input_credits import bp as input_credits_bp
from .main import bp as main_bp
from .orders import api as orders_api
from .orders import bp as orders_bp
from .payments import api as payments_api
from .payments import bp as payments_bp
from .produce import api as produce_api
from .produce import bp as produce_bp
from .reference import api as reference_api
from .reference import bp as reference_bp
from .reversals import api as reversals_api
from .reversals import bp as reversals_bp
from .settlements import api as settlements_api
from .settlements import bp as settlements_bp
from .stock import api as stock_api
from .stock import bp as stock_bp
from .weighing import api as weighing_api
from .weighing import bp as weighing_bp

BLUEPRINTS = [auth_bp, main_bp, reference_bp, produce_bp, contracts_bp, weighing_bp, orders_bp, fulfilment_bp,
              settlements_bp, payments_bp, input_credits_bp, deposits_bp, books_bp, stock_bp, adjustments_bp,
              reversals_bp]
API_MODULES = [auth_api, reference_api, produce_api, contracts_api, weighing_api, orders_api, fulfilment_api,
               settlements_api, payments_api, input_credits_api, deposits_api, books_api, stock_api, adjustments_api,
               reversals_api]
#: run once per app: weighing asks, fulfilment answers how a slip on an allocation line is collected
HOOK_SUBSCRIBERS = [fulfilment_collection.subscribe]
