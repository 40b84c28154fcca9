"""Run every benchmark, print one row per figure with its target, write bench/results.json, exit
non-zero when a target is missed. ``python -m bench allocation`` runs only the benches named."""
from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")
BENCHES = ("allocation", "books", "exports", "posting", "settlement", "http")


def report(rows: list[dict], path: Path | None = None) -> int:
    """Print the table (and write ``path``); 1 when a figure missed its target."""
    width = max((len(f"{row['case']}: {row['figure']}") for row in rows), default=0)
    for row in rows:
        name = f"{row['case']}: {row['figure']}"
        print(f"{'ok  ' if row['ok'] else 'MISS'} {row['bench']:<11} {name:<{width}}  {row['value']!s:>12}  "
              f"target {row['target']}")
    missed = [row for row in rows if not row["ok"]]
    print("all targets met" if not missed else f"{len(missed)} of {len(rows)} targets missed")
    if path is not None:
        if path.exists():  # a run of some benches keeps the other benches' last rows
            benches = {row["bench"] for row in rows}
            kept = [row for row in json.loads(path.read_text(encoding="utf-8"))["rows"] if row["bench"] not in benches]
            rows = kept + rows
        payload = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "python": platform.python_version(), "cpus": os.cpu_count(),
                   "load_average": [round(x, 2) for x in os.getloadavg()], "rows": rows}
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")
    return 1 if missed else 0


def main(argv: list[str]) -> int:
    import importlib

    names = argv or list(BENCHES)
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        print(f"unknown bench {', '.join(unknown)}; there are {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    rows: list[dict] = []
    for name in names:
        rows += importlib.import_module(f"bench.{name}").run()
    return report(rows, RESULTS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
