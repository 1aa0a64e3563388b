"""What `make run` prints: its manage.py commands, run as it runs them, with an empty throw-away database."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_run_environment(tmp_path: Path) -> dict[str, str]:
    """This environment as a fresh shell has it: DEBUG and PRODUCTION unset, a database of its own."""
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "PRODUCTION"}}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PYTHONUNBUFFERED": "1"}


def manage(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603  # manage.py, with a fixed command line
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_manage_py_prints_no_pikepdf_logger_line(tmp_path: Path) -> None:
    """pikepdf logs "C++ to Python logger bridge initialized" at INFO when imported; settings silence it."""
    output, _ = manage("check", env=make_run_environment(tmp_path)).communicate(timeout=120)
    assert "System check identified no issues" in output
    assert "pikepdf" not in output
    assert "logger bridge" not in output
