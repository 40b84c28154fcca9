"""What ``bench.http`` serves under gunicorn: the real application (``create_app()``, configured from
the environment as in production) and one bare endpoint added to it, ``/bench/bare/lots``.

The bare endpoint reads the first 50 produce lots straight from the engine (SQLAlchemy Core, no ORM,
no login, no schema, no template) and answers them with ``json.dumps``: what the same worker, the same
database and the same connection pool cost without the project's layers. The measured pages and API
routes are compared with it; only this module adds it, the application itself never has it.
"""
from __future__ import annotations

import json

from flask import Response
from sqlalchemy import select

from market import create_app
from models import ProduceLot, db

app = create_app()
_lots = ProduceLot.__table__
_BARE = (select(_lots.c.id, _lots.c.household_id, _lots.c.variety_id, _lots.c.grade_id, _lots.c.quantity_kg,
                _lots.c.status, _lots.c.ready_from, _lots.c.ready_to)
         .order_by(_lots.c.id.desc()).limit(50))


def bare_lots() -> Response:
    with db.engine.connect() as conn:
        rows = conn.execute(_BARE).all()
    body = json.dumps([{"id": r.id, "household_id": r.household_id, "variety_id": r.variety_id,
                        "grade_id": r.grade_id, "quantity_kg": str(r.quantity_kg), "status": str(r.status),
                        "ready_from": r.ready_from.isoformat(), "ready_to": r.ready_to.isoformat()}
                       for r in rows], ensure_ascii=False)
    return Response(body, mimetype="application/json")


app.add_url_rule("/bench/bare/lots", "bench_bare_lots", bare_lots)
