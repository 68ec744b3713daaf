"""The dependencies point inward: `search/` and the archive know no bot (the bots register
their search sources and archivable kinds into them), the core (`hub/`) imports neither the
bots nor search nor the archive, and no module of a bot imports its own services from a
selector or from a module that the services import (no import cycles)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_files(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (inside functions too), absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" \
        else module_name(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in python_files(package):
        for line, name in imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                out.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return out


@pytest.mark.parametrize("package", ["search", "archive"])
def test_search_and_the_archive_import_no_bot(package: str) -> None:
    assert (ROOT / package).is_dir()
    assert offending(package, ("bots",)) == []


def test_the_core_imports_no_app_built_on_it() -> None:
    assert offending("hub", ("bots", "search", "archive", "integrations")) == []


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    """The check itself: an import hidden in a function or written relatively is found."""
    sample = ROOT / "search" / "_layering_sample.py"
    sample.write_text("def f():\n    from bots.documents import models\n"
                      "from .registry import Source\n", encoding="utf-8")
    try:
        names = [name for _, name in imports(sample)]
        assert "bots.documents" in names and "search.registry" in names
        assert offending("search", ("bots",)) == ["search/_layering_sample.py:2 imports "
                                                   "bots.documents",
                                                   "search/_layering_sample.py:2 imports "
                                                   "bots.documents.models"]
    finally:
        sample.unlink()


def _module_graph(folder: str) -> dict[str, set[str]]:
    """{module: the modules of the same package it imports (at any depth)}."""
    package = folder.replace("/", ".")
    graph: dict[str, set[str]] = {}
    for path in python_files(folder):
        name = module_name(path)
        graph[name] = set()
        for _, imported in imports(path):
            for candidate in (imported, imported.rsplit(".", 1)[0]):
                if candidate.startswith(package + ".") and candidate != name:
                    graph[name].add(candidate)
    return graph


@pytest.mark.parametrize("bot", ["bots/meetings", "bots/approvals", "bots/documents",
                                 "bots/notices", "bots/bulletins"])
def test_no_import_cycles_within_a_bot_and_selectors_do_not_import_services(bot: str) -> None:
    package = bot.replace("/", ".")
    graph = _module_graph(bot)
    services, selectors = f"{package}.services", f"{package}.selectors"
    assert graph.get(services), "the walk found nothing: the check itself is broken"
    # Selectors reach no service, not even through another module; and whatever the services
    # import must not lead back to them.
    for start in [selectors, *graph.get(services, set())]:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            assert node != services, f"{start} leads to {services}"
            todo += [n for n in graph.get(node, set()) if n in graph]
