"""Time as people here mean it: China Standard Time (the configured zone)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_today() -> date:
    """Today in the service's time zone (Asia/Shanghai), which is what people mean by 'today'."""
    return datetime.now(local_zone()).date()
