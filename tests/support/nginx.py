"""A real nginx for tests (Debian's nginx-light, installed with apt-get when missing) run on a given config."""
from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

NGINX = "/usr/sbin/nginx"
PACKAGE = "nginx-light"


def nginx_binary() -> str:
    """The nginx binary; installs Debian's nginx-light when it is missing, skips (with the reason) when apt
    cannot get it."""
    found = shutil.which("nginx") or (NGINX if Path(NGINX).exists() else None)
    if found:
        return found
    if not shutil.which("apt-get"):
        pytest.skip("nginx is not installed and there is no apt-get to install nginx-light with")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE]
    result = subprocess.run(install, capture_output=True, text=True, timeout=600, env=env)
    if result.returncode:  # the package lists may be missing or stale
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, timeout=600, env=env)
        result = subprocess.run(install, capture_output=True, text=True, timeout=600, env=env)
    if result.returncode or not Path(NGINX).exists():
        pytest.skip(f"could not install {PACKAGE} with apt-get (the Debian archive is unreachable?): "
                    f"{(result.stderr or result.stdout).strip()[-300:]}")
    return NGINX


@contextlib.contextmanager
def running_nginx(config: str, workdir: Path, probe_url: str):
    """Run nginx in the foreground on ``config`` until the context ends; waits until ``probe_url`` (plain HTTP) answers."""
    binary = nginx_binary()
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(config)
    check = subprocess.run([binary, "-t", "-q", "-c", str(conf), "-p", str(workdir)], capture_output=True,
                           text=True, timeout=30)
    if check.returncode:
        raise RuntimeError(f"nginx rejects the rendered configuration: {check.stderr.strip()}\n{config}")
    stderr_path = workdir / "stderr.log"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen([binary, "-c", str(conf), "-p", str(workdir)], stdout=subprocess.DEVNULL,
                                   stderr=stderr)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {stderr_path.read_text(errors='replace')}")
            try:
                requests.get(probe_url, timeout=1, allow_redirects=False)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
