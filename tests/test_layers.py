"""The package's rooms keep to their layers: checked from the code's own imports."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "wildrydes_nb"
SANDBOX = PACKAGE / "sandbox"


def imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every ``from ... import`` and ``import`` in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
        elif isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
    return found


def test_the_sandbox_stands_alone_as_a_moto_extension_would():
    """No module of the sandbox imports the workbook: it depends on moto, botocore and itself only."""
    offending = []
    for path in SANDBOX.rglob("*.py"):
        depth = len(path.relative_to(SANDBOX).parts) - 1  # 0 for sandbox/x.py, 1 for sandbox/iam/x.py
        for level, module in imports(path):
            inside = {p.name for p in SANDBOX.iterdir()} | {p.stem for p in SANDBOX.glob("*.py")} | {""}
            outside = level > depth + 1 or (level == depth + 1 and module.split(".")[0] not in inside)
            if outside or (level == 0 and module.startswith("wildrydes_nb") and
                           not module.startswith("wildrydes_nb.sandbox")):
                offending.append(f"{path.relative_to(PACKAGE)}: {'.' * level}{module}")
    assert offending == []


def test_no_logic_module_imports_presentation_or_drivers():
    logic = {"inputs", "aws", "account", "user_pool", "roles", "identity_pool", "ownership", "verify", "cleanup",
             "scratchpad", "resolve", "steps", "fields", "checks", "report", "errors", "listing", "locks"}
    above = {"forms", "render", "state", "cli", "batch", "demo", "lab", "headless"}
    offending = [f"{name}: {module}" for name in logic for level, module in imports(PACKAGE / f"{name}.py")
                 if level == 1 and module.split(".")[0] in above]
    assert offending == []
