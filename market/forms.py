"""What every page's forms share."""
from __future__ import annotations

import uuid
from typing import Callable, Collection, Mapping

from .errors import MarketError

_NOT_FOR_MESSAGES = ("CSRFTokenField", "SubmitField")
#: ``render_kw`` of an amount's field (a phone shows its number pad) and of a date's
MONEY_INPUT = {"inputmode": "decimal", "autocomplete": "off"}
DATE_INPUT = {"type": "date"}


def optional_int(value):
    """A select's id, or ``None`` for its empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


def new_key() -> str:
    """An idempotency key, made when the form is shown: submitting the same form twice records once."""
    return uuid.uuid4().hex


def place_errors(form, exc: MarketError, rename: Mapping[str, str | None] | Callable[[str], str] | None = None,
                 only: Collection[str] | None = None) -> list[str]:
    """Put a service's refusal on the form fields it names; return the messages no field takes.

    :param rename: a service field name → the form's (``None``: the page shows it elsewhere), or a function.
    :param only: the form fields that may take messages; others go back to the caller.
    """
    texts = exc.field_texts()
    general: list[str] = []
    for name, messages in texts.items():
        target_name = rename(name) if callable(rename) else (rename or {}).get(name, name)
        if target_name is None:
            continue
        field = form._fields.get(target_name)
        if field is None or field.type in _NOT_FOR_MESSAGES or (only is not None and target_name not in only):
            general.extend(messages)
        else:
            field.errors = list(field.errors) + messages
    if not texts:
        general.append(exc.text())
    return general
