"""The dependency rules of DESIGN.md, checked on the source tree: who may import what, and no I/O at import."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("prguard", "app", "batch")

# (package whose modules are checked, forbidden top-level import, modules allowed to use it anyway)
RULES = [
    ("prguard", "app", ()),
    ("prguard", "batch", ()),
    ("prguard", "flask", ()),
    ("prguard", "pyspark", ()),
    ("prguard", "mlflow", ("prguard/model/registry.py",)),
    ("app", "batch", ()),
    ("app", "pyspark", ()),
    ("app", "mlflow", ()),
    ("batch", "app", ()),
    ("batch", "flask", ()),
    ("batch", "mlflow", ()),
]


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module a source file imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def violations(root: Path) -> list[str]:
    found = []
    for package, forbidden, allowed in RULES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative in allowed:
                continue
            if forbidden in imported_modules(path.read_text()):
                found.append(f"{relative} imports {forbidden}")
    return found


def test_source_tree_follows_the_dependency_rules():
    assert violations(ROOT) == []


def test_the_checker_catches_a_forbidden_import(tmp_path):
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    for subpackage in ("features", "model"):
        (tmp_path / "prguard" / subpackage).mkdir()
    (tmp_path / "prguard" / "features" / "extraction.py").write_text("import flask\nfrom batch.train import x\n")
    (tmp_path / "prguard" / "model" / "registry.py").write_text("import mlflow\n")
    (tmp_path / "app" / "worker.py").write_text("import importlib\nimportlib.import_module('pyspark.sql')\n")
    assert violations(tmp_path) == [
        "prguard/features/extraction.py imports batch",
        "prguard/features/extraction.py imports flask",
        "app/worker.py imports pyspark",
    ]


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
