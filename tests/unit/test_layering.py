"""The house rules, checked on the folders: no Flask in runtime/ or handlers/; only runtime/engine/
imports SpiffWorkflow; runtime/read/ never writes nor calls a service; only services save instances;
no import cycle among runtime modules, imports inside functions included."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_DIRS = ("runtime", "handlers", "web")
ROOMS = ("engine", "store", "services", "read", "worker")
MAX_LINES = 300


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions (``from a import b`` gives ``a.b``
    when ``a/b.py`` exists, else ``a``)."""
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                names.add(candidate if _is_module(candidate) else node.module)
    return names


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_files(*dirs: str):
    for d in dirs:
        yield from (p for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts)


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "runtime" and parts[1] in ROOMS else None


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in python_files("runtime")}
    return {m: {i for i in imports_of(p) if i in modules and i != m} for m, p in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))
    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_runtime_and_handlers_never_import_flask():
    offenders = [str(p.relative_to(ROOT)) for p in python_files("runtime", "handlers")
                 if {i.split(".")[0] for i in imports_of(p)} & {"flask", "flask_wtf", "werkzeug"}]
    assert offenders == []


def test_importing_every_runtime_module_pulls_in_no_web_framework():
    modules = [module_name(p) for p in python_files("runtime", "handlers") if p.name != "cli.py"]
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_the_engine_room_imports_spiffworkflow():
    owners = sorted(module_name(p) for p in python_files(*PRODUCT_DIRS)
                    if any(i.split(".")[0] == "SpiffWorkflow" for i in imports_of(p)))
    assert owners and all(room(m) == "engine" for m in owners), owners


def test_read_models_never_write_nor_call_services():
    read_models = list(python_files("runtime/read"))
    assert len(read_models) > 5
    for path in read_models:
        text = path.read_text()
        assert ".transaction()" not in text, f"{path.name} opens a write transaction"
        assert not [i for i in imports_of(path) if room(i) == "services"], f"{path.name} imports a service"


def test_only_services_save_instances():
    savers = sorted(module_name(p) for p in python_files("runtime", "web", "handlers")
                    if "runtime.store.instance_store" in imports_of(p) and _calls_save(p))
    assert savers and all(room(m) in ("services", "store") for m in savers), savers


def _calls_save(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "runtime.store.instance_store" \
                and any(a.name in ("save", "write_row") for a in node.names):
            return True
    return False


def test_no_import_cycles_function_level_imports_included():
    assert cycles(graph()) == []


def test_no_module_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in python_files(*PRODUCT_DIRS)
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_the_checks_would_catch_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import Flask\nimport SpiffWorkflow.bpmn\n\ndef f():\n    import runtime.clock\n")
    assert imports_of(bad) == {"flask", "SpiffWorkflow.bpmn", "runtime.clock"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert room("runtime.read.inbox") == "read" and room("runtime.engine") == "engine"
    assert room("runtime.clock") is None
