"""The README's tables are the code's, checked here so that they cannot drift apart: the error
codes (config.errors.ERROR_CODES, and every code the source raises) and the environment
variables (config/settings.py and the process files)."""

import ast
import re

from config.errors import ERROR_CODES
from tests.processes import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text()
# Sources whose environment variables are settings of the platform.
SETTINGS_SOURCES = ("config/settings.py", "config/server.py", "Procfile", "Makefile")
# Functions whose first argument is an error code.
RAISERS = {"ApplicationError", "NotFoundError", "ConflictError", "_field_error", "_refuse"}
# Variables the settings read only to refuse them with a message (a renamed setting).
REFUSED_VARIABLES = {"API_RATE_LIMIT"}


def _readme_error_table() -> dict[str, int]:
    rows = re.findall(r"^  \| (\d{3}) \| `([a-z_]+)` \|", README, flags=re.MULTILINE)
    return {code: int(status) for status, code in rows}


def _raised_codes() -> list[tuple[str, str, str]]:
    """(code, raiser, where) for every literal code passed to an error in the app code."""
    found = []
    for path in PROJECT_DIR.glob("*/**/*.py"):
        relative = path.relative_to(PROJECT_DIR)
        if relative.parts[0] in {".venv", "tests", "bench"} or "migrations" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in RAISERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((first.value, name, f"{relative}:{node.lineno}"))
    return found


def test_the_readme_error_table_is_the_registry():
    assert _readme_error_table() == {code: entry.status for code, entry in ERROR_CODES.items()}


def test_every_code_the_source_raises_is_registered_with_its_kind_of_status():
    raised = _raised_codes()

    assert len(raised) > 30  # the scan sees the code it means to
    assert [(code, where) for code, _, where in raised if code not in ERROR_CODES] == []
    kinds = {"NotFoundError": 404, "ConflictError": 409}
    assert [
        (code, where)
        for code, raiser, where in raised
        if raiser in kinds and ERROR_CODES[code].status != kinds[raiser]
    ] == []


def _readme_variables() -> set[str]:
    """The variable names in the README's configuration table."""
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def _variables_read() -> set[str]:
    """The environment variables the settings and process files read."""
    settings = (PROJECT_DIR / "config/settings.py").read_text()
    names = set(
        re.findall(r'(?:env\.\w+|_strict_bool|ENVIRON\.get)\(\s*"([A-Z][A-Z0-9_]*)"', settings)
    )
    names.update(re.findall(r'"([A-Z][A-Z0-9_]*)" in env\.ENVIRON', settings))
    for name in ("config/server.py", "Procfile"):
        text = (PROJECT_DIR / name).read_text()
        names.update(re.findall(r'environ(?:\.get)?\(\s*"([A-Z][A-Z0-9_]*)"', text))
        names.update(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    return names - REFUSED_VARIABLES


def test_every_variable_the_platform_reads_is_in_the_readme():
    read = _variables_read()

    assert {"DATABASE_URL", "API_RATE_LIMIT_PER_MINUTE", "WORKER_CONCURRENCY"} <= read
    assert sorted(read - _readme_variables()) == []


def test_every_variable_in_the_readme_is_read_by_the_platform():
    sources = "\n".join((PROJECT_DIR / name).read_text() for name in SETTINGS_SOURCES)

    unread = [
        name
        for name in _readme_variables()
        if not re.search(rf"(?<![A-Z0-9_]){name}(?![A-Z0-9_])", sources)
    ]
    assert unread == []
