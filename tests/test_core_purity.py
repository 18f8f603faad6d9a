"""The scoring core must stay pure: no I/O library may be imported by service.core."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "service" / "core"
FORBIDDEN = {
    "redis",
    "tortoise",
    "litestar",
    "asyncio",
    "asyncpg",
    "aiosqlite",
    "websockets",
    "socket",
    "httpx",
    "jinja2",
    "uvicorn",
    "sqlite3",
    "subprocess",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            elif node.level == 2:  # from ..x import: only the pure error tree is allowed
                assert node.module == "errors", f"{path.name} imports ..{node.module}"
    return names


def test_core_imports_no_io_library():
    """No module in service/core imports redis, tortoise, litestar, asyncio or other I/O."""
    files = sorted(CORE.glob("*.py"))
    assert files
    for path in files:
        bad = _imports(path) & FORBIDDEN
        assert not bad, f"service/core/{path.name} imports {sorted(bad)}"


def test_core_imports_nothing_io_at_runtime():
    """Importing the whole core in a fresh interpreter loads none of the I/O packages."""
    import subprocess
    import sys

    code = (
        "import sys, importlib, pkgutil, service.core as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module('service.core.' + m.name)\n"
        "bad = [m for m in ('redis','tortoise','litestar','asyncpg','aiosqlite','websockets')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=CORE.parent.parent,
        check=True,
    )
    assert out.stdout.strip() == ""
