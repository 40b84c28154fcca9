"""Configuration. ``DATABASE_URL`` wins; otherwise SQLite in the instance folder."""
from __future__ import annotations

import os


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3; SQLAlchemy refuses the old ``postgres://``."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = "sqlite:///market.sqlite"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    #: a photo may be at most this many bytes; at most three per lot
    PHOTO_MAX_BYTES = 5 * 1024 * 1024
    PHOTOS_PER_LOT = 3
    #: where lot photos live; defaults to "photos" in the instance folder
    PHOTO_DIR: str | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: a form's CSRF token lasts a working day in the field, then the page asks for a reload
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    #: argon2id cost: argon2-cffi's defaults, the RFC 9106 low-memory profile (3 passes, 64 MiB, 4 lanes)
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    PASSWORD_HASH_PARALLELISM = 4
    # API and OpenAPI document
    API_TITLE = "空港浓香园 market API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_PAGE_SIZE = 50
    API_MAX_PAGE_SIZE = 500
    #: API tokens last this many days unless their owner picks otherwise, at most API_TOKEN_MAX_DAYS
    API_TOKEN_DAYS = 90
    API_TOKEN_MAX_DAYS = 365
    #: a token's "last used" is written at most once in this many seconds
    API_TOKEN_TOUCH_SECONDS = 3600
    # Login throttling (Flask-Limiter). Under gunicorn set MARKET_RATELIMIT_STORAGE_URI to a shared
    # store (redis://host:6379/0): in memory, each worker counts alone.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: failed sign-ins per account (mobile number); a success never counts
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    #: failed sign-ins per client address, over all accounts (password spraying); a success never counts
    LOGIN_ADDRESS_RATE_LIMIT = "60 per minute;300 per hour"
    #: how many proxies in front of the app set X-Forwarded-For / -Proto (0: trust no such header).
    #: Behind one nginx, 1: without it every client has the proxy's address.
    PROXY_FIX_X_FOR = 0
    #: 定金 may be at most this share of the contract value (民法典 art. 586)
    DEPOSIT_MAX_PERCENT = 20
    #: the largest amount one voucher line may carry (元); larger is refused as a typing error
    MAX_VOUCHER_LINE_YUAN = "100000000"
    #: calculated input VAT of 农产品收购发票 (purchases from individual farmers), percent
    PURCHASE_VAT_RATE_PCT = "9"
    #: logistics and packing a new order expects per kilogram (元) unless its maker says otherwise;
    #: set it to the company's usual figure (the demo's peach order: about 1.10)
    ORDER_EXPECTED_COST_PER_KG = "0.00"
    #: payouts to an account whose approved change took effect this many days ago or less are flagged
    PAYEE_CHANGE_FLAG_DAYS = 30
    #: cash and bank accounts (codes; a code covers its sub-accounts) allowed below zero: a bank that gives
    #: an overdraft. Every other 1001, 1002 or 1012 account never goes below zero on any day.
    OVERDRAFT_ACCOUNTS: tuple[str, ...] = ()
    #: output VAT rate a new product's sales start at (农产品 9 %), percent; each product may differ
    SALES_VAT_RATE_PCT = "9"
    #: printed vouchers: "voucher" (241×140 mm 凭证纸) or "a4" (two sheets to an A4 page)
    VOUCHER_PAPER = "voucher"
    #: the 会计主管 printed on vouchers; blank: the users with a chief accountant's role, if any
    VOUCHER_CHIEF_ACCOUNTANT = ""
    #: entries on one sheet of voucher paper, and the most vouchers one batch print takes
    VOUCHER_LINES_PER_PAGE = 5
    VOUCHER_PRINT_MAX = 2000


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_ENABLED = True
    SERVER_NAME = None
    #: the cheapest argon2id argon2-cffi accepts: tests make thousands of users; production keeps its cost
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 8
    PASSWORD_HASH_PARALLELISM = 1


def load_environment(app) -> None:
    """Read deployment settings from the environment (the factory's only input)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.from_prefixed_env("MARKET")
