"""The JSON API under ``/api/v1``: one error shape, token or session auth, pagination,
``Idempotency-Key`` on creating POSTs and an OpenAPI document generated from the code.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from types import ModuleType
from typing import Any, Callable, Iterable

import marshmallow as ma
from flask import Flask, Response, current_app, g, request
from flask_babel import gettext
from flask_login import current_user
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from apispec import BasePlugin
from flask_wtf.csrf import validate_csrf
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from models import IdempotencyRecord, db

from ..errors import RULES, IdempotencyConflict, MarketError, PermissionDenied, ValidationFailed
from ..extensions import too_many_attempts_message
from . import messages as messages_module
from .schemas import DECIMAL_PATTERN, TEXT_PATTERN, exact_number_document

API_PREFIX = "/api/v1"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "machine-readable error code"})
    rule = ma.fields.String(metadata={"description": "the business rule that refused, when one did: "
                                      + "; ".join(f"`{code}` {text}" for code, text in sorted(RULES.items())),
                                      "enum": sorted(RULES)})
    message = ma.fields.String(metadata={"description": "translated message for people"})
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "translated messages per input field"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema)


class MarketApi(Api):
    """flask-smorest's Api, with our error shape, and pages left to render HTML errors."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:  # errors are handled in market.errors_http
        pass


api = MarketApi()


def error_response(code: str, message: str, status: int, fields: dict | None = None,
                   headers: dict | None = None, rule: str | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if rule:
        body["rule"] = rule
    if fields:
        body["fields"] = fields
    response = current_app.json.response({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _translate_messages(messages: Any) -> Any:
    if isinstance(messages, dict):
        return {k: _translate_messages(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [_translate_messages(m) for m in messages]
    return messages_module.translate(messages) if isinstance(messages, str) else messages


def _flatten_locations(messages: dict) -> dict:
    """webargs nests errors by location ({"json": {...}}) and marshmallow by nested field
    ({"lines": {0: {"memo": [...]}}}); people and the document want field paths and their messages:
    {"lines.0.memo": [...]}."""
    flat: dict[str, list[Any]] = {}

    def walk(path: str, value: Any) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                walk(f"{path}.{name}" if path else str(name), inner)
        elif isinstance(value, list) and not all(isinstance(item, str) for item in value):
            for item in value:
                walk(path, item)
        else:
            flat.setdefault(path, []).extend(value if isinstance(value, list) else [value])

    for location, fields in messages.items():
        walk("" if location in _LOCATIONS else str(location), fields)
    return flat


#: where webargs reads arguments from; its errors are keyed by these first
_LOCATIONS = frozenset({"json", "query", "querystring", "form", "files", "headers", "cookies", "view_args",
                        "path", "json_or_form"})


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "validation_error", 429: "too_many_requests", 500: "server_error", 503: "unavailable"}


def http_error_response(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    fields = None
    if "messages" in data or "errors" in data:
        fields = _translate_messages(_flatten_locations(data.get("errors") or data.get("messages") or {}))
    status = error.code or 500
    if status == 422:
        message = gettext("Some fields are not valid.")
    elif status == 401:
        message = gettext("Log in or send a valid API token.")
    elif status == 403:
        message = gettext("You are not allowed to do this.")
    elif status == 404:
        message = gettext("Not found.")
    elif status == 429:
        message = too_many_attempts_message()
    elif status == 413:
        message = gettext("The upload is too large.")
    else:
        message = gettext(error.description) if error.description else error.name
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_response(_HTTP_CODES.get(status, "error"), message, status, fields, headers)


def market_error_response(error: MarketError) -> Response:
    body = error.to_dict()["error"]
    return error_response(body["code"], body["message"], error.status, body.get("fields"), rule=body.get("rule"))


def _check_auth() -> Response | None:
    """Every API route needs a user: a bearer token, or a session plus its CSRF token."""
    if request.endpoint in (None, "api-docs.openapi_json") or request.path in PUBLIC_PATHS:
        return None
    if not current_user.is_authenticated:
        return error_response("unauthorized", gettext("Log in or send a valid API token."), 401,
                              headers={"WWW-Authenticate": "Bearer"})
    if (request.method in UNSAFE_METHODS and not g.get("auth_via_token")
            and current_app.config.get("WTF_CSRF_ENABLED", True)):
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
        except Exception:  # wtforms raises ValidationError; any failure means no
            return error_response("csrf_failed", gettext("The form expired. Reload the page and try again."), 400)
    return None


PUBLIC_PATHS = {f"{API_PREFIX}/openapi.json"}


def _int32_problems(schema: ma.Schema, data: Any) -> dict[str, list[str]]:
    """Integers in ``data`` (as ``schema`` loaded it) beyond the 32 bits the databases keep, by field path."""
    problems: dict[str, list[str]] = {}

    def field_value(field: ma.fields.Field, value: Any, path: str) -> None:
        if isinstance(field, ma.fields.Integer) and isinstance(value, int) and not isinstance(value, bool):
            if not INT32[0] <= value <= INT32[1]:
                problems.setdefault(path, []).append(gettext("This number is too large."))
        elif isinstance(field, ma.fields.Nested) and value is not None:
            for index, item in enumerate(value) if field.many else [(None, value)]:
                mapping(field.schema, item, path if index is None else f"{path}.{index}")
        elif isinstance(field, ma.fields.List) and isinstance(value, list):
            for index, item in enumerate(value):
                field_value(field.inner, item, f"{path}.{index}")
        elif isinstance(field, ma.fields.Dict) and isinstance(value, dict) and field.value_field is not None:
            for key, item in value.items():
                field_value(field.value_field, item, f"{path}.{key}")

    def mapping(inner: ma.Schema, values: Any, prefix: str) -> None:
        if not isinstance(values, dict):
            return
        for name, field in inner.fields.items():
            key = field.attribute or name
            if not field.dump_only and key in values:
                label = field.data_key or name
                field_value(field, values[key], f"{prefix}.{label}" if prefix else label)

    mapping(schema, data, "")
    return problems


class MarketParser(FlaskParser):
    """webargs' parser, refusing integers the databases cannot keep as the document says (422)."""

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        data = super()._process_location_data(location_data, schema, req, location, unknown, validators)
        problems = _int32_problems(schema, data)
        if problems:
            raise ma.ValidationError(problems)
        return data


class Blueprint(SmorestBlueprint):
    """A feature's API blueprint: authenticated, CSRF-checked for sessions."""

    ARGUMENTS_PARSER = MarketParser()

    def __init__(self, name: str, import_name: str, **kwargs: Any) -> None:
        super().__init__(name, import_name, **kwargs)
        self.before_request(_check_auth)

    def arguments(self, schema, *args: Any, **kwargs: Any) -> Callable:
        """flask-smorest's ``arguments``; a PATCH body must name a field to change, which is checked
        where the body is read: after :func:`roles_first`, so a caller without the role hears 403."""
        parse = super().arguments(schema, *args, **kwargs)
        if kwargs.get("location", "json") != "json":
            return parse

        def decorate(view: Callable) -> Callable:
            parsed = parse(view)

            @functools.wraps(parsed)
            def wrapper(*view_args: Any, **view_kwargs: Any):
                refusal = _patch_needs_a_body()
                if refusal is not None:
                    return refusal
                return parsed(*view_args, **view_kwargs)
            return wrapper
        return decorate


# --- pagination -----------------------------------------------------------------

class PageArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))


def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    name = item_schema.__name__.replace("Schema", "") + "PageSchema"
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "page": ma.fields.Integer(),
        "per_page": ma.fields.Integer(),
        "total": ma.fields.Integer(),
    })


#: no list has more pages than this; a larger number is refused before it reaches the database
MAX_PAGE = 1_000_000


def paginate(statement, page_args: dict) -> dict[str, Any]:
    """One page of ``statement``'s rows and the total, for a :func:`page_schema`."""
    per_page = page_args.get("per_page") or current_app.config["API_PAGE_SIZE"]
    per_page = min(per_page, current_app.config["API_MAX_PAGE_SIZE"])
    page = page_args.get("page") or 1
    if page > MAX_PAGE:
        raise ValidationFailed(gettext("There are not that many pages."), field="page")
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


# --- roles before the body ----------------------------------------------------------

def roles_first(*roles) -> Callable:
    """Refuse (403) whoever lacks ``roles`` before the request body is read: put it between the
    route and ``arguments``, so a caller without the role learns nothing from validation errors."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if not current_user.has_role(*roles):
                raise PermissionDenied()
            return view(*args, **kwargs)
        return wrapper
    return decorate


# --- idempotency ------------------------------------------------------------------

#: a key is 1 to 128 visible ASCII characters (a UUID, say): what a header carries unchanged everywhere
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,128}$"
IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": IDEMPOTENCY_KEY_PATTERN},
    "description": "Retry safely: the same key and body returns the original response; "
                   "the same key with another body is refused with 409.",
}


def idempotency_key() -> str:
    """The request's ``Idempotency-Key``, for a record that keeps it as its own key (a payment, an
    input credit, a deposit closure); empty when none was sent."""
    return (request.headers.get("Idempotency-Key") or "").strip()


def key_used(model, key: str) -> bool:
    """``key`` already made a ``model`` record (a retry, perhaps through another path or device)."""
    return bool(key) and db.session.scalar(select(model.id).where(model.idempotency_key == key)) is not None


def made(result, existed: bool):
    """201 for a new record; 200 for one the key had already made (a retry through another path)."""
    if existed:
        return result, 200, {"Idempotent-Replayed": "true"}
    return result, 201


def _multipart_canonical() -> str:
    """Uploads by field, name and content: a retry re-encodes with another boundary."""
    files = []
    for field, upload in request.files.items(multi=True):
        files.append([field, upload.filename or "", hashlib.sha256(upload.stream.read()).hexdigest()])
        upload.stream.seek(0)
    return json.dumps({"form": sorted(request.form.items(multi=True)), "files": files},
                      ensure_ascii=False, separators=(",", ":"))


def _request_hash() -> str:
    body = request.get_json(silent=True)
    if body is not None:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    elif request.mimetype == "multipart/form-data":
        canonical = _multipart_canonical()
    else:
        canonical = request.get_data(as_text=True)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _stored_response(record: IdempotencyRecord) -> Response:
    response = current_app.response_class(record.response_body, status=record.status_code,
                                          mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def creates(view: Callable) -> Callable:
    """Commit a creating POST, honouring ``Idempotency-Key``.

    The view calls services and returns its response without committing. On success the
    reply is stored under the key in the same transaction as the change, so a retry after a
    lost reply finds the original; two racing first attempts collide on the unique key and
    the loser replays the winner's reply.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        key = request.headers.get("Idempotency-Key")
        if key is not None:
            if not re.match(IDEMPOTENCY_KEY_PATTERN, key):
                return error_response("bad_request", gettext(
                    "Idempotency-Key must be 1 to 128 visible ASCII characters, such as a UUID."), 400)
            digest = _request_hash()
            found = _find_record(key)
            if found is not None:
                if found.request_hash != digest:
                    return market_error_response(IdempotencyConflict())
                return _stored_response(found)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except MarketError:
            db.session.rollback()
            raise
        if response.status_code >= 400:
            db.session.rollback()
            return response
        if key is not None:
            db.session.add(IdempotencyRecord(
                user_id=current_user.id, key=key, method=request.method, path=request.path,
                request_hash=digest, status_code=response.status_code,
                response_body=response.get_data(as_text=True)))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            found = _find_record(key) if key is not None else None
            if found is None:
                raise
            if found.request_hash != digest:
                return market_error_response(IdempotencyConflict())
            return _stored_response(found)
        return response

    doc = dict(getattr(view, "_apidoc", {}))
    manual = dict(doc.get("manual_doc", {}))
    manual["parameters"] = list(manual.get("parameters", [])) + [IDEMPOTENCY_PARAMETER]
    doc["manual_doc"] = manual
    wrapper._apidoc = doc  # type: ignore[attr-defined]
    return wrapper


def _find_record(key: str) -> IdempotencyRecord | None:
    return db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == current_user.id, IdempotencyRecord.key == key))


def commit() -> None:
    db.session.commit()


def _decimal_as_string(converter, field, **kwargs) -> dict:
    """The document says what the API sends: a Decimal field dumped as a string is a string with a
    pattern, not a JSON number (money and weights never pass through floats)."""
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
    return {}


def _text_without_control_characters(converter, field, ret=None, **kwargs) -> dict:
    """Every text field says what the API refuses in it: control characters."""
    if ret and ret.get("type") == "string" and "pattern" not in ret and "enum" not in ret \
            and "format" not in ret:
        return {"pattern": TEXT_PATTERN}
    return {}


#: the integers the databases keep (ids, counts, days): 32-bit on both
INT32 = (-2**31, 2**31 - 1)


def _integers_fit_the_database(converter, field, ret=None, **kwargs) -> dict:
    """An integer beyond 32 bits is refused (400 ``out_of_range``, or 404 for an id in a path): the
    document says so, with the field's own range where it has one."""
    if isinstance(field, ma.fields.Integer) and ret is not None and ret.get("type") == "integer":
        return {"minimum": ret.get("minimum", INT32[0]), "maximum": ret.get("maximum", INT32[1])}
    return {}


class HonestDocumentPlugin(BasePlugin):
    """What the marshmallow fields cannot say, said in the OpenAPI document: a text path parameter
    refuses control characters like any other text, and a PATCH must name a field to change."""

    def path_helper(self, path=None, operations=None, parameters=None, **kwargs):
        for parameter in parameters or ():
            schema = parameter.get("schema", {})
            if parameter.get("in") == "path" and schema.get("type") == "string" and "pattern" not in schema:
                schema["pattern"] = TEXT_PATTERN
            if parameter.get("in") == "path" and schema.get("type") == "integer":
                schema.setdefault("maximum", INT32[1])
        return None

    def operation_helper(self, path=None, operations=None, **kwargs):
        patch = (operations or {}).get("patch")
        if not patch:
            return
        for media in patch.get("requestBody", {}).get("content", {}).values():
            if "schema" in media:
                media["schema"] = {"allOf": [media["schema"]], "minProperties": 1}


def _patch_needs_a_body() -> Response | None:
    """A PATCH that names nothing to change is a mistake, not a success."""
    if request.method == "PATCH":
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not body:
            return error_response("validation_error", gettext("Send at least one field to change."), 422)
    return None


def init_app(app: Flask, modules: Iterable[ModuleType]) -> None:
    """Serve the API of ``modules`` (each with its ``blp`` and ``URL_PREFIX``), its OpenAPI
    document and the docs page. The app factory says which modules: this package imports no feature."""
    from flask_swagger_ui import get_swaggerui_blueprint

    api.init_app(app, spec_kwargs={
        "info": {"description": "Produce, contracts, weigh slips, orders and settlements of 空港浓香园."},
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
        }},
        "security": [{"bearer": []}, {"session": []}],
        "extra_plugins": [HonestDocumentPlugin()],
    })
    api.ma_plugin.converter.add_attribute_function(_decimal_as_string)
    api.ma_plugin.converter.add_attribute_function(_text_without_control_characters)
    api.ma_plugin.converter.add_attribute_function(exact_number_document)
    api.ma_plugin.converter.add_attribute_function(_integers_fit_the_database)
    for module in modules:
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + module.URL_PREFIX)
    app.register_blueprint(get_swaggerui_blueprint(
        f"{API_PREFIX}/docs", f"{API_PREFIX}/openapi.json",
        config={"app_name": app.config["API_TITLE"]}), url_prefix=f"{API_PREFIX}/docs")
