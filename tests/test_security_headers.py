"""Every response tells the browser what it may load and frame; pages carry no inline script."""
from __future__ import annotations

import re

import pytest

from market import ROOT


@pytest.mark.parametrize("path", ["/login", "/t/NOPE", "/api/v1/openapi.json", "/healthz", "/nowhere"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline' ;" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_only_the_api_docs_page_may_run_its_inline_start_up_script(client):
    docs = client.get("/api/v1/docs/")
    assert "'unsafe-inline'" in docs.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    page = client.get("/login")
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_carries_inline_script_or_event_handlers():
    """The policy forbids them, so a browser would silently ignore them: behaviour is in static/js."""
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html")
                 if INLINE_SCRIPT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_input_shows_a_number_as_its_placeholder():
    """A placeholder that looks like a value ("8.60", "0.00") is read as one and left unfilled."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates"
    offenders = [f"{path.relative_to(templates)}: {match}" for path in templates.rglob("*.html")
                 for match in re.findall(r"placeholder=['\"][0-9.,]+['\"]", path.read_text(encoding="utf-8"))]
    assert offenders == []
