"""The import rules of docs/architecture.md, checked on the source with `ast`.

- no import cycle among our modules (function-level imports count: a lazy import that hides a
  cycle is still a cycle);
- service modules never import flask or dash, directly or through our own modules;
- layouts/ imports no dashboard service (dashboard.vocabulary only);
- only the composition root (dashboard/app.py) imports callbacks/.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dashboard", "auth", "callbacks", "layouts")
WEB_FRAMEWORKS = ("flask", "flask_login", "flask_wtf", "flask_limiter", "dash", "dash_leaflet", "werkzeug",
                  "wtforms")
COMPOSITION_ROOT = "dashboard.app"
# The web side of dashboard/: the factory, its extensions and routes, the CLI, Flask views, the API.
WEB_MODULES = {"dashboard.app", "dashboard.extensions", "dashboard.wsgi", "dashboard.cli", "dashboard.routes",
               "dashboard.security_headers",
               "dashboard.__main__"}
FLASK_FREE = {"auth.permissions", "auth.passwords", "auth.users"}
LAYOUTS_MAY_IMPORT = {"dashboard", "dashboard.vocabulary"}


@dataclass
class ImportGraph:
    modules: set[str]
    edges: dict[str, set[str]] = field(default_factory=dict)      # our module -> our modules it imports
    external: dict[str, set[str]] = field(default_factory=dict)   # our module -> top-level outside packages

    def add(self, module: str, target: str) -> None:
        ours = self.resolve(target)
        if ours is not None:
            if ours != module:
                self.edges.setdefault(module, set()).add(ours)
        else:
            self.external.setdefault(module, set()).add(target.split(".")[0])

    def resolve(self, target: str) -> str | None:
        """The most specific module of ours that `target` names (a.b.c may be a name in a.b)."""
        parts = target.split(".")
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in self.modules:
                return ".".join(parts[:n])
        return None

    def cycles(self) -> list[list[str]]:
        """Every strongly connected component with more than one module (Tarjan), each as a
        readable path that closes on itself."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []

        def visit(v: str) -> None:
            index[v] = low[v] = len(index)
            stack.append(v)
            on_stack.add(v)
            for w in sorted(self.edges.get(v, ())):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(self._loop(sorted(component)))

        for v in sorted(self.modules):
            if v not in index:
                visit(v)
        return found

    def _loop(self, component: list[str]) -> list[str]:
        """A concrete loop through the component, starting at its first module."""
        members, start = set(component), component[0]
        path, seen = [start], {start}
        while True:
            step = next(w for w in sorted(self.edges[path[-1]]) if w in members)
            if step in seen:
                return [*path[path.index(step):], step]
            path.append(step)
            seen.add(step)

    def ancestors(self, module: str) -> set[str]:
        parts = module.split(".")
        return {".".join(parts[:n]) for n in range(1, len(parts))} & self.modules

    def reaches(self, module: str, externals: tuple[str, ...]) -> list[str] | None:
        """The chain of our modules by which `module` imports one of `externals`, or None."""
        parent: dict[str, str | None] = {module: None}
        queue = [module]
        while queue:
            v = queue.pop(0)
            hit = sorted(self.external.get(v, set()) & set(externals))
            if hit:
                chain = [f"{hit[0]}"]
                while v is not None:
                    chain.insert(0, v)
                    v = parent[v]
                return chain
            # importing a.b.c runs a/__init__.py and a/b/__init__.py first
            for w in sorted(self.edges.get(v, set()) | self.ancestors(v)):
                if w not in parent:
                    parent[w] = v
                    queue.append(w)
        return None


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(source: str, module: str, is_package: bool) -> list[str]:
    """Every module `source` imports (relative imports resolved), except under `if TYPE_CHECKING:`."""
    tree = ast.parse(source)
    skipped = {id(n) for node in ast.walk(tree) if _type_checking_only(node)
               for child in node.body for n in ast.walk(child)}
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from pkg import name`: name may be a submodule (resolve() falls back to pkg)
            found.extend(f"{prefix}.{alias.name}" for alias in node.names)
    return found


def build_graph(root: Path, packages: tuple[str, ...]) -> ImportGraph:
    files = {module_name(p, root): p for pkg in packages for p in (root / pkg).rglob("*.py")
             if "migrations" not in p.relative_to(root).parts}
    graph = ImportGraph(modules=set(files))
    for module, path in files.items():
        for target in imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            graph.add(module, target)
    return graph


def is_service(module: str) -> bool:
    if module in FLASK_FREE:
        return True
    if not module.startswith("dashboard") or module in WEB_MODULES or module.startswith("dashboard.api"):
        return False
    last = module.rpartition(".")[2]
    return not (last in ("views", "routes") or last.endswith("_views"))


def violations(graph: ImportGraph) -> list[str]:
    problems = [f"import cycle: {' -> '.join(c)}" for c in graph.cycles()]
    for module in sorted(graph.modules):
        if is_service(module) and (chain := graph.reaches(module, WEB_FRAMEWORKS)):
            problems.append(f"service imports a web framework: {' -> '.join(chain)}")
        if module.startswith("layouts"):
            bad = sorted(t for t in graph.edges.get(module, ())
                         if t.split(".")[0] in ("dashboard", "auth", "callbacks") and t not in LAYOUTS_MAY_IMPORT)
            problems.extend(f"layouts import a service: {module} -> {t}" for t in bad)
        if not module.startswith("callbacks") and module != COMPOSITION_ROOT:
            problems.extend(f"only {COMPOSITION_ROOT} may import callbacks: {module} -> {t}"
                            for t in sorted(graph.edges.get(module, ())) if t.split(".")[0] == "callbacks")
    return problems


# --- the checker on a tiny synthetic tree ---------------------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> ImportGraph:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return build_graph(tmp_path, PACKAGES)


def test_checker_finds_a_cycle_through_a_lazy_relative_import(tmp_path):
    graph = _tree(tmp_path, {
        "auth/__init__.py": "",
        "auth/gate.py": "def f():\n    from .views import end\n",
        "auth/views.py": "from auth.gate import PREFIXES\n",
        "dashboard/__init__.py": "",
    })
    assert violations(graph) == ["import cycle: auth.gate -> auth.views -> auth.gate"]


def test_checker_finds_flask_reached_through_our_modules(tmp_path):
    graph = _tree(tmp_path, {
        "auth/__init__.py": "from flask_login import LoginManager\n",
        "auth/permissions.py": "",
        "dashboard/__init__.py": "",
        "dashboard/registry/__init__.py": "",
        "dashboard/registry/search.py": "from auth.permissions import can\n",
        "dashboard/registry/views.py": "import flask\n",       # a view may
        "dashboard/api/__init__.py": "", "dashboard/api/routes.py": "from dash import html\n",
    })
    assert violations(graph) == [
        "service imports a web framework: auth.permissions -> auth -> flask_login",
        "service imports a web framework: dashboard.registry.search -> auth.permissions -> auth -> flask_login",
    ]


def test_checker_guards_layouts_and_the_composition_root(tmp_path):
    graph = _tree(tmp_path, {
        "dashboard/__init__.py": "", "dashboard/vocabulary.py": "", "dashboard/db.py": "",
        "dashboard/app.py": "import callbacks\n",
        "dashboard/jobs.py": "from callbacks import register\n",
        "callbacks/__init__.py": "from layouts.main import page\n",
        "layouts/__init__.py": "", "layouts/main.py": "from dashboard.vocabulary import ROLES\nfrom dashboard import db\n",
    })
    assert violations(graph) == [
        "only dashboard.app may import callbacks: dashboard.jobs -> callbacks",
        "layouts import a service: layouts.main -> dashboard.db",
    ]


def test_checker_ignores_type_checking_imports(tmp_path):
    graph = _tree(tmp_path, {
        "dashboard/__init__.py": "",
        "dashboard/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from dashboard.b import B\n",
        "dashboard/b.py": "from dashboard.a import A\n",
    })
    assert violations(graph) == []


# --- the real tree -----------------------------------------------------------------------------------
def test_the_tree_follows_the_import_rules():
    graph = build_graph(ROOT, PACKAGES)
    assert len(graph.modules) > 50  # the checker really read the tree
    assert violations(graph) == []


def test_services_really_load_without_flask_or_dash():
    """The static rule, confirmed at run time in a fresh interpreter."""
    import subprocess
    import sys

    services = ["auth.permissions", "auth.users", "dashboard.owners.reveal", "dashboard.footage.sending",
                "dashboard.incidents.canvass", "dashboard.tools.seed", "dashboard.config"]
    probe = (f"import sys\nfor m in {services!r}:\n    __import__(m)\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'dash', 'flask_login', 'werkzeug'}))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
