"""docs/security.md names a test for every promise: each one it names must exist, so a
renamed or deleted test cannot leave a promise without its check."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_every_test_named_in_the_security_page_exists():
    text = (ROOT / "docs" / "security.md").read_text()
    named = NAMED.findall(text)
    assert len(named) > 50  # the page's tables are read at all

    missing = []
    found: dict[str, set[str]] = {}
    for file, test in named:
        path = ROOT / file
        if not path.exists():
            missing.append(f"{file} (no such file)")
            continue
        if file not in found:
            found[file] = _test_functions(path)
        if test not in found[file]:
            missing.append(f"{file}::{test}")

    assert missing == []
