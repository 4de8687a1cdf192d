"""A non-editable install serves the same pages as the checkout (issue 18, packaging).

The wheel is built from a copy of the source packages (offline: ``--no-build-isolation``,
``--no-deps``), installed into a fresh venv that borrows this venv's dependencies (a path file,
not ``--system-site-packages``: those are this venv's, not the system's; this venv's editable
Pantau is not loaded from there, its path hook is not run), and run from a folder outside the
checkout: `pantau demo --no-serve`, then `pantau serve`, whose pages are compared with a
Datasette configured from the checkout's own ``datasette/`` on the same snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.datasette.conftest import fetch, get
from tests.pantau.test_serve_ops import datasette_children, stop, wait_serving

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ["crawler", "extract", "kb", "pantau", "wilayah"]
SOURCES = [*PACKAGES, "datasette", "setup.py", "pyproject.toml", "README.md"]
TEST_ONLY = ["extract/gold_national/"]  # read by the tests alone; extract/gold/ is `pantau eval`'s
CONFIG = "pantau_datasette"

pytestmark = pytest.mark.slow


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    result = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{cmd}: {result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(the wheel, the build's output)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO / name, src / name)
    out = src / "dist"
    log = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(out), str(src)],
        cwd=src,
    )  # fmt: skip
    return next(out.glob("pantau-*.whl")), log


@pytest.fixture(scope="module")
def installed(wheel: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed (not editable); returns its bin folder."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / "bin"
    site = Path(
        run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=env_dir).strip()
    )  # fmt: skip
    (site / "zz_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install",
         "--no-deps", "--no-index", str(wheel[0])],
        cwd=env_dir,
    )  # fmt: skip
    return bin_dir


def clean_env(bin_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PANTAU_DATASETTE_DIR"}}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    return env


def test_wheel_contents(wheel: tuple[Path, str]) -> None:
    path, log = wheel
    assert "Warning" not in log, log  # the TOML-table licence warned; packages left out warn
    names = zipfile.ZipFile(path).namelist()
    for expected in [f"{CONFIG}/metadata.yml", f"{CONFIG}/plugins/pantau_pages.py",
                     f"{CONFIG}/plugins/pantau.css", f"{CONFIG}/templates/pantau_article.html",
                     "extract/gold/baseline.json", "pantau/demo_site/sources.yaml"]:  # fmt: skip
        assert expected in names, expected
    assert not [n for n in names if n.startswith(("datasette/", "tests/", *TEST_ONLY))]
    assert not [n for n in names if "__pycache__" in n]
    modules = {str(p.relative_to(REPO)) for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")}
    config = {
        f"{CONFIG}/{p.relative_to(REPO / 'datasette')}"
        for p in (REPO / "datasette").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert not (modules | config) - set(names)  # every module and every config file
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: Apache-2.0" in zipfile.ZipFile(path).read(metadata).decode()


def test_installed_demo_and_serve(installed: Path, tmp_path: Path) -> None:
    env = clean_env(installed)
    where = run(
        [str(installed / "python"), "-c",
         "import pantau, pantau.config; print(pantau.__file__); print(pantau.config.datasette_dir())"],
        cwd=tmp_path, env=env,
    ).split()  # fmt: skip
    assert [Path(p).is_relative_to(installed.parent) for p in where] == [True, True], where
    assert Path(where[1]).name == CONFIG

    home = tmp_path / "home"
    out = run([str(installed / "pantau"), "demo", "--no-serve", "--home", str(home)],
              cwd=tmp_path, env=env, timeout=600)  # fmt: skip
    summary = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert summary["publish"]["tables"]["article"] > 0
    assert summary["publish"]["warnings"] == []

    snapshot = Path(summary["publish"]["path"])
    first_id = json.loads(fetch(snapshot, ["/pantau/article.json?_size=1&_shape=array"])[
        "/pantau/article.json?_size=1&_shape=array"].text)[0]["id"]  # fmt: skip
    pages = ["/", f"/article/{first_id}", "/-/pantau.css"]
    expected = fetch(snapshot, pages)  # the checkout's datasette/ on the same snapshot

    proc = subprocess.Popen(
        [str(installed / "pantau"), "serve", "--home", str(home), "--port", "0"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=(tmp_path / "stderr.log").open("w"),
        text=True,
    )  # fmt: skip
    try:
        url = wait_serving(proc, tmp_path)
        for page in pages:
            status, body = get(url.rstrip("/") + page)
            assert status == expected[page].status_code == 200, page
            served = body.decode().replace(url.rstrip("/"), "http://localhost")  # absolute links
            assert served == expected[page].text, page
        plugins = json.loads(get(f"{url}-/plugins.json")[1])
        assert {"pantau_pages.py", "pantau_limits.py"} <= {p["name"] for p in plugins}
        stop(proc, signal.SIGTERM, datasette_children(proc.pid))
    finally:
        if proc.poll() is None:
            proc.kill()
