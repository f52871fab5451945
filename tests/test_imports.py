"""Every module imports on its own, in any order: no import cycles (issue 9)."""

from __future__ import annotations

import pkgutil
import random
import subprocess
import sys

import pytest

import briefing


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(briefing.__path__, "briefing."))


@pytest.mark.integration
def test_every_module_imports_first_in_a_fresh_interpreter():
    """Each module is the first one imported by its own interpreter, modules taken in random order."""
    modules = _modules()
    random.Random(9).shuffle(modules)
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    failures = []
    for name in modules:
        done = subprocess.run([sys.executable, "-c", script, name], capture_output=True, text=True, timeout=120)
        if done.returncode:
            failures.append(f"{name}: {done.stderr.strip().splitlines()[-1]}")
    assert not failures, failures


@pytest.mark.integration
def test_all_modules_import_in_several_random_orders():
    modules = _modules()
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    for seed in range(3):
        order = modules[:]
        random.Random(seed).shuffle(order)
        done = subprocess.run([sys.executable, "-c", script, *order], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr


def test_no_module_imports_the_cli_except_the_entry_points():
    """Dependencies point down the pipeline: nothing but app.py and the package's own cli reaches briefing.cli."""
    from pathlib import Path

    root = Path(briefing.__file__).parent
    offenders = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if path.name != "cli.py"
        and (
            "from ..cli import" in path.read_text()
            or "from .cli import" in path.read_text()
            or "briefing.cli " in path.read_text()
        )
    ]
    assert offenders == []
