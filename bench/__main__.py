"""Run every benchmark, print a table, exit non-zero when a target is missed."""
from __future__ import annotations

import json
import sys

from bench import allocation, exports


def main() -> int:
    rows = allocation.run() + exports.run()
    failed = False
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
        failed |= not row["ok"]
    print("all targets met" if not failed else "SOME TARGETS MISSED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
