"""What `pip install .` puts on a machine must run the inbox: migrations, static pages, model corpora, rules."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_what_the_app_loads_at_run_time(tmp_path) -> None:  # noqa: ANN001
    # From a clean copy: setuptools reuses build/lib in the tree, whose stale files could hide a packaging gap.
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                              "test-artifacts", ".*_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(source)], check=True, timeout=300)
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "inbox/store/migrations/env.py",
        "inbox/store/migrations/script.py.mako",
        "inbox/store/migrations/versions/0001_initial_schema.py",
        "inbox/static/chat-demo.html",
        "inbox/static/chat-demo.js",
        "inbox/defaults/rules.yaml",  # the default rules, used wherever `inbox serve` starts
    ):
        assert required in names, f"{required} missing from the wheel"
    # Data the routing packages read at run time (corpora, word lists, templates) travels with them.
    for folder in ("routing/classifier", "routing/sensitive", "inbox/ui"):
        repo_files = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*")
                      if p.is_file() and not any(part.startswith((".", "__pycache__")) for part in p.parts)}
        missing = sorted(f for f in repo_files if f not in names)
        assert not missing, f"not packaged: {missing[:10]}"
