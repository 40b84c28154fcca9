"""marshmallow's and webargs' built-in messages, translated.

The libraries format their English texts before we see them ("Must be greater than or equal
to 1."), so :func:`translate` matches each text against the templates below, translates the
template and fills the values back in. The ``_l`` markers put the templates in the catalogue.
"""
from __future__ import annotations

import re

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

TEMPLATES = [
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Invalid input type."),
    _l("Invalid type."),
    _l("Unknown field."),
    _l("Invalid value."),
    _l("Invalid input."),
    _l("Not a valid string."),
    _l("Not a valid integer."),
    _l("Not a valid number."),
    _l("Number too large."),
    _l("Not a valid boolean."),
    _l("Not a valid date."),
    _l("Not a valid datetime."),
    _l("Not a valid list."),
    _l("Not a valid mapping type."),
    _l("Not a valid email address."),
    _l("Special numeric values (nan or infinity) are not permitted."),
    _l("String does not match expected pattern."),
    _l("Must be one of: {choices}."),
    _l("Must be greater than or equal to {min}."),
    _l("Must be greater than {min}."),
    _l("Must be less than or equal to {max}."),
    _l("Must be less than {max}."),
    _l("Must be greater than or equal to {min} and less than or equal to {max}."),
    _l("Shorter than minimum length {min}."),
    _l("Longer than maximum length {max}."),
    _l("Length must be between {min} and {max}."),
    _l("Length must be {equal}."),
    _l("\"{input}\" cannot be formatted as a date."),
    _l("Invalid JSON body."),
]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    regex = ""
    for index, part in enumerate(parts):
        regex += f"(?P<{part}>.+?)" if index % 2 else re.escape(part)
    return re.compile(f"^{regex}$")


_COMPILED = [(t._args[0], _pattern(t._args[0])) for t in TEMPLATES]  # type: ignore[attr-defined]


def translate(message: str) -> str:
    """The message in the current language, values kept."""
    for template, pattern in _COMPILED:
        match = pattern.match(message)
        if match:
            return gettext(template).format(**match.groupdict())
    return gettext(message)
