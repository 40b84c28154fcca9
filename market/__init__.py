"""空港浓香园 market service: the Flask application factory."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from .config import Config, load_environment

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type | Mapping[str, Any] | None = None) -> Flask:
    """Build the application. No side effects: no migration, no seeding, no network.

    :param config: a config class or mapping applied over :class:`Config`; without one the
        environment (``DATABASE_URL``, ``SECRET_KEY``, ``MARKET_*``) is read.
    """
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder="static")
    from . import input_guard
    input_guard.install_converters(app)  # before the first route: ids above the database's range match none
    app.config.from_object(Config)
    if config is None:
        load_environment(app)
    elif isinstance(config, Mapping):
        app.config.from_mapping(config)
    else:
        app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise RuntimeError("SECRET_KEY must be set outside development and tests")
        app.config["SECRET_KEY"] = "development-only-secret"

    from . import extensions, i18n, errors_http, templating, cli, registry, security_headers
    from .api import init_app as init_api

    input_guard.init_app(app)
    security_headers.init_app(app)
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"),
                                render_as_batch=True, compare_type=True)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    from .auth import loader
    loader.init_app(app)
    templating.init_app(app)
    for blueprint in registry.BLUEPRINTS:
        app.register_blueprint(blueprint)
    init_api(app, registry.API_MODULES)
    for module in registry.API_MODULES:
        extensions.csrf.exempt(module.blp)
    for subscribe in registry.HOOK_SUBSCRIBERS:
        subscribe()
    errors_http.init_app(app)
    cli.init_app(app)
    proxies = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    return app
