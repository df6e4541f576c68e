"""The README stays true to the code, in the style of datasette's tests/test_docs.py: every setting
(data_layer/settings.py), every verb of `python -m data_layer` and every data_layer module is named in it, and every
path and rule home it names exists. Each item is its own test, so a failure names what is missing."""

from __future__ import annotations

import argparse
import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_layer.__main__ import build_parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The README's text from the heading `## title` to the next `## ` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end >= 0 else None]


def _settings() -> list[str]:
    """Every environment variable settings.py reads (string constants shaped like one)."""
    tree = ast.parse((REPO / "data_layer" / "settings.py").read_text(encoding="utf-8"))
    names = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and re.fullmatch(r"DATABASE_URL|DASHBOARD_[A-Z0-9_]+", node.value)}
    return sorted(names)


def _verbs(parser: argparse.ArgumentParser, parent: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*parent, name)
                yield from _verbs(sub, (*parent, name))


def _modules() -> list[str]:
    """Every module of data_layer but package markers and migration revisions, as a path below data_layer/."""
    root = REPO / "data_layer"
    return sorted(str(path.relative_to(root).with_suffix("")) for path in root.rglob("*.py")
                  if path.name != "__init__.py" and "versions" not in path.parts)


@pytest.mark.parametrize("name", _settings())
def test_every_setting_is_in_the_readme_settings_table(name: str) -> None:
    assert f"`{name}`" in _section("Settings"), f"{name} is read by data_layer/settings.py but not in the README"


@pytest.mark.parametrize("verb", [" ".join(v) for v in _verbs(build_parser())])
def test_every_command_line_verb_is_in_the_readme(verb: str) -> None:
    """A verb appears as `python -m data_layer VERB` (or in an `a|b|c` list of verbs); a sub-verb (`user add`) on
    a line of the README that also names its verb."""
    *parent, word = verb.split()
    if not parent:
        documented = {v for listed in re.findall(r"-m data_layer ([a-z|-]+)", README) for v in listed.split("|")}
        assert word in documented, f"`python -m data_layer {word}` is not in the README"
    else:
        lines = [line for line in README.splitlines() if re.search(rf"\b{parent[0]}\b", line)]
        assert any(re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", line) for line in lines), \
            f"`python -m data_layer {verb}` is not in the README"


@pytest.mark.parametrize("module", _modules())
def test_every_data_layer_module_is_in_the_readme_layout(module: str) -> None:
    """The Layout section names each module by its name (its package folder named as `package/` too)."""
    layout = _section("Layout")
    *packages, name = module.split("/")
    assert re.search(rf"(?<![\w/]){re.escape(name)}(?!\w)", layout), f"data_layer/{module}.py is not in the Layout"
    for package in packages:
        assert f"{package}/" in layout, f"data_layer/{package}/ is not in the Layout"


def _named_paths() -> list[str]:
    found = re.findall(r"`((?:data_layer|ui|app_pages|tests|bench|scripts|assets|\.ci)/[\w/.*-]+)", README)
    return sorted({path.split(":")[0].rstrip("/.") for path in found})


def _rule_homes() -> list[str]:
    """`module.name` and `path.py: name, name` references of the "Where each rule lives" table."""
    table = _section("Where each rule lives")
    refs: list[str] = []
    for ref in re.findall(r"`([^`]+)`", table):
        if ":" in ref:
            path, names = ref.split(":", 1)
            module = path.removesuffix(".py").replace("/", ".")
            module = module if module.startswith(("data_layer.", "ui.")) else f"data_layer.{module}"
            refs += [f"{module}:{name.strip()}" for name in names.split(",")]
        elif re.fullmatch(r"[a-z_]+\.[A-Za-z_]+", ref) and not ref.endswith(".py"):
            refs.append(f"data_layer.{ref.replace('.', ':')}")
    return refs


@pytest.mark.parametrize("ref", _named_paths() + _rule_homes())
def test_every_path_and_rule_home_the_readme_names_exists(ref: str) -> None:
    if ":" in ref:
        module, name = ref.split(":")
        assert hasattr(importlib.import_module(module), name), f"the README names {module}.{name}, which is gone"
    else:
        assert list(REPO.glob(ref)), f"the README names {ref}, which is not in the tree"
