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


def test_readme_starts_with_two_commands_that_use_a_venv() -> None:
    """Debian 12's python refuses `pip install .` ("externally-managed-environment"): the commands make a venv."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    first, second = blocks[0].strip(), blocks[1].strip()
    assert "\n" not in first and "\n" not in second
    assert first == "bash scripts/venv && .venv/bin/pip install . && .venv/bin/inbox serve"
    assert second == "bash scripts/test"
    assert text.index(blocks[1]) < text.index("## ")  # nothing comes before them but the introduction


def _fake_python(bin_dir: Path, *, managed: bool, venv_works: bool, log: Path) -> None:
    """A `python3` on PATH that is (or isn't) externally managed, and whose `-m venv` fails until apt-get ran."""
    installed = bin_dir / "venv-installed"
    (bin_dir / "python3").write_text(f"""#!/bin/bash
if [ "$1" = "-" ]; then exit {0 if managed else 1}; fi   # scripts/venv's PEP 668 check reads its script from stdin
if [ "$1 $2" = "-m venv" ]; then
  if [ {str(venv_works).lower()} != true ] && [ ! -f {installed} ]; then mkdir -p "$3/bin"; exit 1; fi
  mkdir -p "$3/bin" && ln -sf {sys.executable} "$3/bin/python" && exit 0
fi
exec {sys.executable} "$@"
""")
    (bin_dir / "apt-get").write_text(f'#!/bin/bash\necho "apt-get $*" >> {log}\n'
                                     f'[ "$1" = install ] && touch {installed}\nexit 0\n')
    for name in ("python3", "apt-get"):
        (bin_dir / name).chmod(0o755)


def _venv_script(tmp_path: Path, *, managed: bool, venv_works: bool = True, uid: int = 0,
                 virtual_env: str | None = None) -> tuple[subprocess.CompletedProcess, Path, Path]:
    import os

    checkout, bin_dir = tmp_path / "checkout", tmp_path / "bin"
    (checkout / "scripts").mkdir(parents=True)
    bin_dir.mkdir()
    shutil.copy(ROOT / "scripts" / "venv", checkout / "scripts" / "venv")
    log = tmp_path / "apt.log"
    _fake_python(bin_dir, managed=managed, venv_works=venv_works, log=log)
    (bin_dir / "id").write_text(f"#!/bin/bash\necho {uid}\n")
    (bin_dir / "id").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    if virtual_env:
        env["VIRTUAL_ENV"] = virtual_env
    r = subprocess.run(["bash", "scripts/venv", "--test-python"], cwd=checkout, capture_output=True, text=True,
                       env=env, timeout=120)
    return r, checkout, log


def test_scripts_venv_keeps_ci_on_its_python_and_makes_a_venv_on_debian(tmp_path) -> None:  # noqa: ANN001
    ci, checkout, _ = _venv_script(tmp_path / "ci", managed=False)
    assert ci.returncode == 0 and ci.stdout.strip() == str(tmp_path / "ci" / "bin" / "python3")
    assert not (checkout / ".venv").exists()  # CI installs into its python, as before

    debian, checkout, log = _venv_script(tmp_path / "debian", managed=True)
    assert debian.returncode == 0 and debian.stdout.strip() == f"{checkout}/.venv/bin/python", debian.stderr
    assert not log.exists()

    active, _, _ = _venv_script(tmp_path / "active", managed=True, virtual_env=str(Path(sys.executable).parents[1]))
    assert active.stdout.strip() == f"{Path(sys.executable).parents[1]}/bin/python"


def test_scripts_venv_installs_python3_venv_as_root_and_says_how_otherwise(tmp_path) -> None:  # noqa: ANN001
    root, checkout, log = _venv_script(tmp_path / "root", managed=True, venv_works=False, uid=0)
    assert root.returncode == 0 and root.stdout.strip() == f"{checkout}/.venv/bin/python", root.stderr
    assert "install -y -qq --no-install-recommends python3-venv" in log.read_text()

    user, checkout, log = _venv_script(tmp_path / "user", managed=True, venv_works=False, uid=1000)
    assert user.returncode == 1 and "sudo apt-get install -y python3-venv" in user.stderr
    assert not log.exists() and not (checkout / ".venv").exists()  # no half-made venv left to mislead the next run
