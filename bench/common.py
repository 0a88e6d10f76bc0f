"""Shared by seed.py and run.py: bench database URL, environment and catalogue compilation."""

from __future__ import annotations

import os
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VAR_DIR = BENCH_DIR / "var"
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = ROOT / ".venv" / "bin" / "python"
GRANIAN = ROOT / ".venv" / "bin" / "granian"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cuutro_bench"
# Production-like: DEBUG off, a long secret, explicit hosts. Only for this local benchmark.
BENCH_SECRET_KEY = "bench-only-secret-key-3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f"  # noqa: S105 (local benchmark only)


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def bench_env() -> dict[str, str]:
    """Environment for manage.py, the seeder and the server: production settings, bench DB."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=env.get("BENCH_SECRET_KEY", BENCH_SECRET_KEY),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CUUTRO_VAR_DIR=str(VAR_DIR),
        LOG_LEVEL="WARNING",
        # Production's shared cache (run.py --cache none measures every request uncached).
        CACHE_URL=env.get("CACHE_URL", "redis://127.0.0.1:6379/15"),
    )
    env.pop("CUUTRO_TESTING", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def apply_env() -> None:
    os.environ.update(bench_env())
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def ensure_database(*, reset: bool = False) -> bool:
    """Create the bench database if it does not exist (drop it first when ``reset``); True when created."""
    from urllib.parse import urlparse

    import psycopg
    from psycopg import sql

    url = urlparse(database_url())
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    if not name.startswith("cuutro_bench") and reset:
        raise SystemExit(f"--reset only drops databases named cuutro_bench*, not {name!r}")
    with psycopg.connect(admin, autocommit=True) as conn:
        if reset:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def compile_catalogues() -> None:
    """Compile cuutro/locale/*/LC_MESSAGES/*.po into bench/var/locale (see bench/settings.py)."""
    import polib

    for po_path in (ROOT / "cuutro" / "locale").glob("*/LC_MESSAGES/*.po"):
        target = VAR_DIR / "locale" / po_path.relative_to(ROOT / "cuutro" / "locale")
        mo_path = target.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
