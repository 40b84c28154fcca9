"""Headers every response carries: what a browser may load, frame and send on.

Pages carry no inline script (behaviour lives in ``static/js``), so scripts come from this site
only; inline ``style`` attributes stay allowed (pages use a few for widths). Nothing may frame a
page (clickjacking), and other sites are told nothing of the address a person came from. The
API's Swagger UI page needs its inline start-up script; it alone gets it.
"""
from __future__ import annotations

from flask import Flask, Response, request

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'")
#: the Swagger UI page served at /api/v1/docs/ starts itself with an inline script
DOCS_POLICY = POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_headers(response: Response) -> Response:
    docs = request.path.startswith("/api/v1/docs")
    response.headers.setdefault("Content-Security-Policy", DOCS_POLICY if docs else POLICY)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
