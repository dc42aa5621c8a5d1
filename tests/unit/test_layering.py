"""The house rules: no Flask in runtime/ or handlers/, SpiffWorkflow only behind runtime/engine*."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_DIRS = ("runtime", "handlers", "web")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def python_files(*dirs: str):
    for d in dirs:
        yield from (ROOT / d).rglob("*.py")


def test_runtime_and_handlers_never_import_flask():
    offenders = [str(p.relative_to(ROOT)) for p in python_files("runtime", "handlers")
                 if imported_modules(p) & {"flask", "flask_wtf", "werkzeug"}]
    assert offenders == []


def test_importing_every_runtime_module_pulls_in_no_web_framework():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in python_files("runtime", "handlers")
               if "migrations" not in p.parts and p.name != "cli.py"]
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_the_engine_modules_import_spiffworkflow():
    offenders = [str(p.relative_to(ROOT)) for p in python_files(*PRODUCT_DIRS)
                 if "SpiffWorkflow" in imported_modules(p) and not p.name.startswith("engine")]
    assert offenders == []
    owners = {p.name for p in python_files("runtime") if "SpiffWorkflow" in imported_modules(p)}
    assert owners == {"engine.py", "engine_inspect.py", "engine_modify.py", "engine_sandbox.py", "engine_serializer.py",
                      "engine_snapshot.py", "engine_timers.py"}


def test_the_layering_checks_would_catch_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import Flask\nimport SpiffWorkflow.bpmn\n")
    assert imported_modules(bad) == {"flask", "SpiffWorkflow"}
