"""Flask-Babel: Chinese by default, English second, chosen per user."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, has_request_context, session
from flask_babel import get_translations
from flask_login import current_user

from .extensions import babel

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _translations():
    """The request's catalogue. Flask-Babel finds it again for every string a template translates
    (the request globals, the locale, the domain: about 20 µs) and a page translates hundreds; it is
    kept here for the request, for the locale it was found for, so ``force_locale`` (a locale object of
    its own while it lasts) and a change of language still get their own."""
    request_globals = g._get_current_object()  # once: each look through the proxy costs a microsecond
    locale = getattr(getattr(request_globals, "_flask_babel", None), "babel_locale", None)
    kept = getattr(request_globals, "_market_translations", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    request_globals._market_translations = (
        getattr(getattr(request_globals, "_flask_babel", None), "babel_locale", None), translations)
    return translations


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(TRANSLATIONS))
    # the same callables Flask-Babel installs, on the catalogue kept for the request
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
