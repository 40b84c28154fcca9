"""Text is readable: every piece of text on the main pages has a contrast of at least 4.5:1 with the
background behind it (WCAG AA), measured in chromium on a phone."""
from __future__ import annotations

from datetime import date

import pytest

from market import demo
from models import db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser

#: in the browser: each element with its own text, its colour against the first opaque background
#: behind it (contrast as WCAG 2 defines it)
MEASURE = """() => {
  const lum = (rgb) => rgb.map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4))
                          .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const parse = (text) => (text.match(/[0-9.]+/g) || []).map(Number);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) { return c.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === 'hidden' || style.display === 'none' || el.offsetParent === null) { continue; }
    const fg = parse(style.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) { low.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)}`); }
  }
  return low;
}"""

PAGES = {"13800000003": ["/home", "/settlements/", "/books/", "/books/trial-balance", "/payments/"],
         "13800000002": ["/home", "/orders/", "/lots"]}


def test_text_on_the_main_pages_has_at_least_4_5_to_1_contrast(live_app, live_server, phone):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    low = {}
    for login, paths in PAGES.items():
        phone.context.clear_cookies()
        phone.goto(f"{live_server}/login")
        phone.fill("input[name=phone]", login)
        phone.fill("input[name=password]", demo.DEMO_PASSWORD)
        phone.click("form.stacked [type=submit]")
        phone.wait_for_load_state()
        for path in paths:
            phone.goto(f"{live_server}{path}")
            found = phone.evaluate(MEASURE)
            if found:
                low[path] = found
    assert low == {}
