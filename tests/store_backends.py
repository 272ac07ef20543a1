"""The store's two backends for the tests: SQLite in the test's folder, and a real PostgreSQL server.

``scripts/test.sh`` starts PostgreSQL on 127.0.0.1 and exports ``Y2S_TEST_DATABASE_URL``; a plain
``pytest`` run starts one itself through ``scripts/postgres.sh`` (about a second, once per session). Each
test gets its own PostgreSQL schema (``search_path`` in the URL), dropped afterwards. Where no server
can start, the PostgreSQL cases are skipped with the reason (``Y2S_TEST_POSTGRES_SKIP`` or the script's).
Import the fixtures into a test module: ``from .store_backends import backend_url, postgres_server  # noqa``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from y2s_core.store import engine

from .conftest import REPO

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a running PostgreSQL server (postgresql://y2s@127.0.0.1:PORT/postgres)."""
    url = os.environ.get("Y2S_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if os.environ.get("Y2S_TEST_POSTGRES_SKIP"):
        pytest.skip(os.environ["Y2S_TEST_POSTGRES_SKIP"])
    folder = tempfile.mkdtemp(prefix="y2s-pg-")  # under /tmp: `nobody` must reach it when run as root
    script = str(REPO / "scripts" / "postgres.sh")
    try:
        p = subprocess.run([script, "start", folder], capture_output=True, text=True, timeout=90)
    except (OSError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"PostgreSQL could not be started here: {type(e).__name__}")
    if p.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        why = (p.stderr.strip().splitlines() or ["no reason given"])[-1]
        pytest.skip(f"PostgreSQL could not be started here: {why}")
    try:
        yield p.stdout.strip()
    finally:
        subprocess.run([script, "stop", folder], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def fresh_schema_url(server: str) -> tuple[str, str]:
    """A new empty schema on ``server``: (URL whose search_path is it, schema name)."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options={quote('-csearch_path=' + name)}", name


def drop_schema(server: str, url: str, name: str) -> None:
    import psycopg

    engine.forget(url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(params=BACKENDS)
def backend_url(request, tmp_path) -> Iterator[str]:
    """A store URL on an empty database: SQLite in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store' / 'y2s.sqlite'}"
        yield url
        engine.forget(url)
        return
    server = request.getfixturevalue("postgres_server")
    url, name = fresh_schema_url(server)
    try:
        yield url
    finally:
        drop_schema(server, url, name)


@pytest.fixture
def fresh_url(request, backend_url, tmp_path):
    """A factory of more empty databases on ``backend_url``'s backend (removed afterwards)."""
    made: list[tuple[str, str | None]] = []
    postgres = not backend_url.startswith("sqlite")

    def make() -> str:
        if postgres:
            url, name = fresh_schema_url(request.getfixturevalue("postgres_server"))
        else:
            url, name = f"sqlite:///{tmp_path / f'extra{len(made)}' / 'y2s.sqlite'}", None
        made.append((url, name))
        return url

    yield make
    for url, name in made:
        if name is None:
            engine.forget(url)
        else:
            drop_schema(request.getfixturevalue("postgres_server"), url, name)
