"""Every string people see has a Chinese translation, and the catalogue compiles cleanly."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "market" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_string_in_code_and_templates_is_in_the_chinese_catalogue():
    method_map = [("market/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = {message for _file, _line, message, _comments, _context in
             extract_from_dir(str(ROOT), method_map, keywords=keywords,
                              options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}})}
    assert len(found) > 1000  # the extraction really read the code and the templates
    catalog = _catalog()
    missing = sorted(str(m) for m in found if isinstance(m, str) and not (catalog.get(m) and catalog.get(m).string))
    assert missing == [], f"{len(missing)} untranslated; run `make translations` and translate them"


def test_the_catalogue_has_no_placeholder_mismatch():
    catalog = _catalog()
    problems = [(message.id, errors) for message, errors in catalog.check()]
    assert problems == []
