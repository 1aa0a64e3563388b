"""What `make run` prints and serves: its manage.py commands, run as it runs them, with an empty
throw-away database; its last step, `manage.py runserver` (DEBUG off, no collectstatic), on a free port
(the sign-in page and the static files need no table)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.linked_assets import BASE_ASSETS, linked_assets

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  # our own server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@dataclass
class Server:
    base: str
    process: subprocess.Popen[str]

    def output(self) -> str:
        """What the server printed, once it has stopped."""
        self.process.terminate()
        return self.process.communicate(timeout=30)[0]


@pytest.fixture
def make_run_server(tmp_path: Path) -> Iterator[Server]:
    """`manage.py runserver` as `make run` starts it (without the reloader, so it can be stopped)."""
    base = f"http://127.0.0.1:{free_port()}"
    process = manage(
        "runserver", base.removeprefix("http://"), "--noreload", env=make_run_environment(tmp_path)
    )
    server = Server(base, process)
    try:
        for _ in range(600):
            if process.poll() is not None:
                pytest.fail(f"runserver stopped:\n{server.output()}")
            try:
                fetch(f"{base}/accounts/login/")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"runserver did not answer within a minute:\n{server.output()}")
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_runserver_serves_every_asset_the_sign_in_page_links_to(make_run_server: Server) -> None:
    status, page = fetch(f"{make_run_server.base}/accounts/login/")
    assert status == 200
    urls = linked_assets(page.decode())
    assert set(urls) >= BASE_ASSETS
    for url in urls:
        status, content = fetch(f"{make_run_server.base}{url}")
        assert (status, bool(content)) == (200, True), url
    output = make_run_server.output()
    assert "No directory at" not in output  # WhiteNoise no longer looks for an uncollected staticfiles/
    assert "Starting WSGI development server" in output
