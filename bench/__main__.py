"""`make bench`: run every benchmark part and print its figures beside its same-run baseline.

Each part is a module in this package with a `main() -> None`; `python -m bench ingest` runs one.
"""

from __future__ import annotations

import importlib
import sys

PARTS = ["sdk_size", "ingest", "processing"]


def main() -> None:
    wanted = sys.argv[1:] or PARTS
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            print(f"== {name}: not written yet")
            continue
        print(f"== {name}")
        module.main()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
