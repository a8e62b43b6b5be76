"""`inbox` with the test connector types of bench.ticker registered: `python -m bench.cluster_serve serve ...`."""
from __future__ import annotations

import bench.ticker  # noqa: F401 - registers the `ticker` connector type
from inbox.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
