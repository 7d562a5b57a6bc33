"""The dependency rules in `.importlinter` (import-linter contracts), and no I/O at import time."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("prguard", "app", "batch")
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the packages under ``root`` with the repository's contracts."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(root)}
    return subprocess.run([LINT_IMPORTS, "--config", str(ROOT / ".importlinter"), "--no-cache"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=240)


def test_source_tree_keeps_the_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_forbidden_import_breaks_its_contract(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "prguard" / "features" / "leak.py").write_text("import flask\nfrom app import worker\n")
    (tmp_path / "batch" / "mlflow_direct.py").write_text("import mlflow\n")
    (tmp_path / "app" / "torch_scoring.py").write_text("import torch\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "Contracts: 2 kept, 4 broken." in result.stdout
    assert "app.torch_scoring -> torch" in result.stdout  # scoring runs the weights in numpy
    assert "prguard.features.leak -> app.worker" in result.stdout  # the layers
    assert "prguard.features.leak -> flask" in result.stdout  # no web framework in the core
    assert "batch.mlflow_direct -> mlflow" in result.stdout  # MLflow only in the registry module


def _all_modules() -> list[str]:
    modules = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules.append(".".join(parts))
    return modules


IMPORT_PROBE = textwrap.dedent("""
    import importlib, os, socket, sys
    def refuse(*args, **kwargs):
        raise AssertionError("network I/O at import time")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    for name in sys.argv[1:]:
        importlib.import_module(name)
""")


def test_importing_every_module_does_no_io(tmp_path):
    """Imports run in an empty directory with no configuration: nothing may be created or connected."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", IMPORT_PROBE, *_all_modules()], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    created = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert created == []
