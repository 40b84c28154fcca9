"""Refusals every request gets before any feature sees it: ids too large for the database, and
control characters (NUL above all, which PostgreSQL cannot store in text) in any text sent.

A refusal is a 400 with a translated message, on pages and in the API alike; nothing is read or
written. The database's own range errors are a last net (``errors_http``), not the rule.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

#: the largest id a path may name: PostgreSQL's ``integer`` (ids are 32-bit on both databases)
MAX_ID = 2**31 - 1
#: characters no field may hold; tab, line feed and carriage return are text
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number above :data:`MAX_ID` matches no route (404), it never
    reaches the database as an out-of-range integer."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def has_control_characters(value: Any) -> bool:
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(has_control_characters(k) or has_control_characters(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_control_characters(v) for v in value)
    return False


class ControlCharacters(ValueError):
    """Raised by :func:`check_request`; the error handlers turn it into a 400."""


def check_request() -> None:
    if has_control_characters(request.path):
        raise ControlCharacters()
    for values in (request.args, request.form):
        for key in values:
            if has_control_characters(key) or has_control_characters(values.getlist(key)):
                raise ControlCharacters()
    for upload in request.files.values():
        if has_control_characters(upload.filename or ""):
            raise ControlCharacters()
    if request.is_json:
        body = request.get_json(silent=True)
        if has_control_characters(body):
            raise ControlCharacters()


def install_converters(app: Flask) -> None:
    """Before any route is added: the bounded ``int`` converter."""
    app.url_map.converters["int"] = IdConverter


def init_app(app: Flask) -> None:
    app.before_request(check_request)
