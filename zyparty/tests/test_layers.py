"""The layers contract (docs/ARCHITECTURE.md): plumbing (``zyparty``) imports no domain app. Only the composition
root — URLs, settings, the Celery app, the WSGI/ASGI entry points — wires the apps together; the rest of plumbing
learns about the domain through settings, signals it defines, and attributes declared on models."""

import ast
from pathlib import Path

import pytest

PLUMBING = Path(__file__).resolve().parents[1]
DOMAIN_APPS = {"organizations", "ledgers", "services", "talent", "overview"}
COMPOSITION_ROOT = {"urls.py", "celery.py", "wsgi.py", "asgi.py"}  # and settings*.py
DYNAMIC_IMPORTS = {"import_module", "import_string", "__import__"}


def _plumbing_modules():
    for path in sorted(PLUMBING.rglob("*.py")):
        relative = path.relative_to(PLUMBING)
        if "tests" in relative.parts:
            continue
        name = relative.as_posix()
        if name in COMPOSITION_ROOT or name.startswith("settings"):
            continue
        yield name, path


def _imported(tree):
    """(line, dotted name) of every absolute import anywhere in the module — at the top, inside functions, under
    ``if``/``try`` — and of every ``import_module``/``import_string``/``__import__`` given a literal name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in DYNAMIC_IMPORTS:
                yield node.lineno, node.args[0].value


def _domain_imports(source):
    return [(line, name) for line, name in _imported(ast.parse(source))
            if name.split(".")[0] in DOMAIN_APPS]


def test_the_walk_sees_plumbing():
    names = {name for name, _ in _plumbing_modules()}
    assert {"scoping.py", "admin.py", "signals.py", "backups.py", "api/serializers.py"} <= names
    assert not names & {"urls.py", "settings.py", "settings_test.py", "celery.py", "tests/test_layers.py"}


@pytest.mark.parametrize("source, found", [
    ("import organizations.models", [(1, "organizations.models")]),
    ("from ledgers import models", [(1, "ledgers")]),
    ("def f():\n    from services.rules import x", [(2, "services.rules")]),
    ("try:\n    import talent\nexcept ImportError:\n    pass", [(2, "talent")]),
    ("import_string('overview.dashboard.refresh')", [(1, "overview.dashboard.refresh")]),
    ("importlib.import_module('organizations.apikeys')", [(1, "organizations.apikeys")]),
    ("from zyparty import scoping\nimport servicesx\nfrom . import models", []),
    ("x = settings.ZYPARTY_UNIT_MODEL  # 'organizations.Unit' in a comment", []),
])
def test_the_check_finds_every_kind_of_import(source, found):
    assert _domain_imports(source) == found


@pytest.mark.parametrize("name", [name for name, _ in _plumbing_modules()])
def test_plumbing_imports_no_domain_app(name):
    offenders = _domain_imports((PLUMBING / name).read_text(encoding="utf-8"))
    assert not offenders, f"zyparty/{name} imports a domain app: " + ", ".join(
        f"line {line}: {module}" for line, module in offenders)
