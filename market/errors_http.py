"""Errors as people and machines see them: an HTML page, or the API's JSON shape."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, StatementError
from werkzeug.exceptions import HTTPException, InternalServerError

from models import db

from .api import API_PREFIX, error_response, http_error_response, market_error_response
from .errors import MarketError
from .extensions import too_many_attempts_message
from .input_guard import ControlCharacters


def _out_of_range(error: BaseException) -> bool:
    """A value the database cannot hold: PostgreSQL's range and NUL errors, SQLite's int overflow."""
    if isinstance(error, (DataError, OverflowError)):
        return True
    return isinstance(error, StatementError) and isinstance(error.orig, OverflowError)


def _wants_json() -> bool:
    return request.path.startswith(API_PREFIX + "/")


def init_app(app: Flask) -> None:
    @app.errorhandler(MarketError)
    def handle_market_error(error: MarketError):
        db.session.rollback()
        if _wants_json():
            return market_error_response(error)
        return render_template("errors/error.html", status=error.status, message=error.text()), error.status

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        message = _("The form expired. Reload the page and try again.")
        if _wants_json():
            return error_response("csrf_failed", message, 400)
        return render_template("errors/error.html", status=400, message=message), 400

    def refuse(code: str, message: str):
        db.session.rollback()
        if _wants_json():
            return error_response(code, message, 400)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(ControlCharacters)
    def handle_control_characters(_error: ControlCharacters):
        return refuse("control_characters", _("Text may not contain control characters (such as NUL)."))

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        if _wants_json():
            return http_error_response(error)
        messages = {
            403: _("You are not allowed to see this page."),
            404: _("This page does not exist."),
            413: _("The upload is too large."),
        }
        status = error.code or 500
        message = too_many_attempts_message() if status == 429 else messages.get(status, _("Something went wrong."))
        headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
        return render_template("errors/error.html", status=status, message=message), status, headers

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return handle_http(error)
        if _out_of_range(error):
            # A last net: inputs are bounded where they are parsed; log what slipped through.
            app.logger.warning("value out of the database's range: %s", error)
            return refuse("out_of_range", _("A number is too large or a value cannot be stored."))
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        app.logger.exception("unhandled error")
        if _wants_json():
            return http_error_response(InternalServerError())
        return render_template("errors/error.html", status=500, message=_("Something went wrong.")), 500
