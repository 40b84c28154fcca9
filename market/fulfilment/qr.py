"""QR codes as inline SVG, drawn locally by segno (no network, no image files)."""
from __future__ import annotations

import segno
from markupsafe import Markup


def svg(data: str, *, border: int = 2, title: str | None = None, css_class: str = "qr") -> Markup:
    """An ``<svg>`` element for ``data`` with a ``viewBox`` and no fixed size (CSS sizes it).

    Error correction M still reads on a scuffed crate label.
    """
    code = segno.make(data, error="m", micro=False)
    return Markup(code.svg_inline(border=border, title=title, dark="#000", light="#fff", omitsize=True,
                                  svgclass=css_class))
