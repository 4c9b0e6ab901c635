"""App boundaries, checked by reading the source: which part of reportal may reach into which.

The rule (DESIGN.md §4): an app uses another app only through that app's `services.py` (and its signals and tasks),
never through its models or other modules; foreign keys in `models.py` (and migrations) are the one exception.
Two parts of the project must also never import each other (an import cycle ties them into one piece that cannot be
read, tested or changed alone). tests/test_boundaries.py fails on a new violation, and so does
`reportal check --fail-level WARNING` (the system check below warns: a layout rule must not stop a running hotline's
migrate or web server).

What counts, per module (from its syntax tree, every import wherever it sits; `if TYPE_CHECKING:` blocks excepted,
since they vanish at run time):
- importing `reportal.<other app>.models`, outside `models.py` and migrations;
- an app importing another app's module other than services, signals or tasks (`reportal.reports.lifecycle`);
- touching another app's model class (imported under any name, e.g. re-exported by a services module) through
  `.objects`, `._default_manager`, `._base_manager` or `.DoesNotExist`, passing it to a call (`get_object_or_404`),
  or `apps.get_model("<other app>", ...)`; naming it in annotations and isinstance() is fine;
- two parts that import each other. A part is an app (`reportal/hotline/`), or a top-level module or package of
  the project (`reportal/access.py`, `reportal/ratelimit.py`, `reportal/net/`).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.apps import AppConfig
from django.core import checks

PACKAGE = "reportal"
ROOT = Path(__file__).resolve().parent
# What an app may import from another app; the project's own modules (api.py, urls.py, commands) compose apps freely.
PUBLIC_MODULES = frozenset({"services", "signals", "tasks"})
MODEL_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager", "DoesNotExist", "MultipleObjectsReturned"})


@dataclass(frozen=True)
class Violation:
    path: str  # relative to the repository root, e.g. "reportal/hotline/queue.py"
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class _Import:
    module: str  # the absolute module imported, e.g. "reportal.reports.models"
    names: tuple[tuple[str, str], ...]  # (name imported, local name) for `from X import name as local`
    line: int


def apps(root: Path = ROOT) -> frozenset[str]:
    """The project's Django apps: the packages of `root` with an apps.py."""
    return frozenset(p.parent.name for p in root.glob("*/apps.py"))


def part_of(module: str, app_names: frozenset[str]) -> str | None:
    """The part a module belongs to: its app, or its top-level module or package; None outside the project."""
    pieces = module.split(".")
    if pieces[0] != PACKAGE:
        return None
    return pieces[1] if len(pieces) > 1 else PACKAGE


def _modules(root: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent)
        if "migrations" in relative.parts:
            continue
        pieces = list(relative.with_suffix("").parts)
        if pieces[-1] == "__init__":
            pieces = pieces[:-1]
        yield path, ".".join(pieces)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk_runtime(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of `tree` except those under `if TYPE_CHECKING:`."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _imports(nodes: list[ast.AST], module: str, is_package: bool) -> Iterator[_Import]:
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _Import(alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = tuple((a.name, a.asname or a.name) for a in node.names)
            yield _Import(target, names, node.lineno)
            for name, _local in names:  # `from reportal.reports import models` imports a module too
                yield _Import(f"{target}.{name}", (), node.lineno)


def model_classes(root: Path = ROOT) -> dict[str, frozenset[str]]:
    """Per app, the names of the classes its models.py defines."""
    found: dict[str, frozenset[str]] = {}
    for app in apps(root):
        path = root / app / "models.py"
        if path.exists():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found[app] = frozenset(n.name for n in tree.body if isinstance(n, ast.ClassDef))
    return found


@dataclass
class _Scan:
    violations: list[Violation]
    edges: dict[str, dict[str, tuple[str, int]]]  # part -> part it imports -> (first path, line) as evidence


def _scan(root: Path) -> _Scan:
    app_names = apps(root)
    models_of = model_classes(root)
    violations: list[Violation] = []
    edges: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)
    for path, module in _modules(root):
        where = str(Path(PACKAGE) / path.relative_to(root))
        own = part_of(module, app_names)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except FileNotFoundError:  # removed while we looked
            continue
        nodes = list(_walk_runtime(tree))
        foreign_models: dict[str, str] = {}  # local name -> app whose model class it is
        reported: set[tuple[str, int]] = set()
        for imp in _imports(nodes, module, path.name == "__init__.py"):
            target = part_of(imp.module, app_names)
            if target is None or target == own:
                continue
            edges[own or PACKAGE].setdefault(target, (where, imp.line))
            pieces = imp.module.split(".")
            if (
                target in app_names
                and len(pieces) >= 3
                and pieces[2] == "models"
                and path.name != "models.py"
                and (where, imp.line) not in reported
            ):
                reported.add((where, imp.line))
                violations.append(
                    Violation(where, imp.line, f"imports {imp.module}: use reportal.{target}.services instead")
                )
            elif (
                own in app_names
                and target in app_names
                and len(pieces) >= 3
                and pieces[2] not in PUBLIC_MODULES
                and pieces[2] != "models"
                and (where, imp.line) not in reported
            ):
                reported.add((where, imp.line))
                violations.append(
                    Violation(
                        where,
                        imp.line,
                        f"imports {'.'.join(pieces[:3])}: use reportal.{target}.services (or its signals or tasks)",
                    )
                )
            for name, local in imp.names:
                if target in app_names and name in models_of.get(target, ()):
                    foreign_models[local] = target
        if path.name == "models.py":
            continue
        for node in nodes:
            if (
                isinstance(node, ast.Attribute)
                and node.attr in MODEL_MANAGERS
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign_models
            ):
                app = foreign_models[node.value.id]
                violations.append(
                    Violation(
                        where,
                        node.lineno,
                        f"uses {node.value.id}.{node.attr}, a model of {app}: ask reportal.{app}.services instead",
                    )
                )
            elif isinstance(node, ast.Call) and _get_model_app(node) not in (None, own):
                violations.append(
                    Violation(where, node.lineno, f"apps.get_model({_get_model_app(node)!r}, ...) from {own}")
                )
            elif isinstance(node, ast.Call) and not _is_type_test(node.func):
                for arg in node.args:  # get_object_or_404(Model, ...) and the like query it too
                    if isinstance(arg, ast.Name) and arg.id in foreign_models:
                        app = foreign_models[arg.id]
                        violations.append(
                            Violation(where, node.lineno, f"passes {arg.id}, a model of {app}, to a call")
                        )
    return _Scan(violations, edges)


def _is_type_test(func: ast.expr) -> bool:
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name in ("isinstance", "issubclass", "cast")


def _get_model_app(call: ast.Call) -> str | None:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "get_model") or not call.args:
        return None
    first = call.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    if len(call.args) > 1:  # apps.get_model("reports", "Report")
        return first.value
    # apps.get_model("reports.Report"); an AppConfig's own get_model("Report") names no app
    return first.value.split(".")[0] if "." in first.value else None


def model_violations(root: Path = ROOT, scan: _Scan | None = None) -> list[Violation]:
    """Every place that reaches into another app other than through its services (models.py's foreign keys and
    migrations aside): its models, or its other modules."""
    found = (scan or _scan(root)).violations
    return sorted(set(found), key=lambda v: (v.path, v.line, v.message))


def import_cycles(root: Path = ROOT, scan: _Scan | None = None) -> list[Violation]:
    """Every pair of parts that import each other, with one import of each direction as evidence."""
    edges = (scan or _scan(root)).edges
    found = []
    for a in sorted(edges):
        for b in sorted(edges[a]):
            if a < b and a in edges.get(b, {}):
                path_ab, line_ab = edges[a][b]
                path_ba, line_ba = edges[b][a]
                found.append(
                    Violation(
                        path_ab,
                        line_ab,
                        f"{a} and {b} import each other ({path_ab}:{line_ab} and {path_ba}:{line_ba})",
                    )
                )
    return found


def check(app_configs: Sequence[AppConfig] | None = None, **kwargs: object) -> list[checks.CheckMessage]:
    """Django system check (`reportal check`): one warning per boundary violation or import cycle."""
    scan = _scan(ROOT)
    errors: list[checks.CheckMessage] = [
        checks.Warning(str(v), hint="Call the other app's services module.", id="reportal.W101")
        for v in model_violations(scan=scan)
    ]
    errors += [
        checks.Warning(str(v), hint="Move the shared piece down, or hand it over at start-up.", id="reportal.W102")
        for v in import_cycles(scan=scan)
    ]
    return errors
