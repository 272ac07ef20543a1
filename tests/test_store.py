"""The quota module and the ledger in the store: per Pacific day, per key fingerprint, across runs and
processes, on SQLite and PostgreSQL; the schema's migrations, from the ledger-only database of earlier
releases on."""

# ruff: noqa: F811  (the store_backends fixtures are imported, then named as arguments)
from __future__ import annotations

import io
import json
import logging
import sqlite3
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, inspect, text

from y2s_core import cli
from y2s_core.errors import StoreError
from y2s_core.quota import QuotaMeter, pacific_day, quota_line
from y2s_core.settings import Settings
from y2s_core.store import SCHEMA_VERSION, Store, engine, migrations, schema
from y2s_core.store.ledger import record_spend, spent_today

from .store_backends import backend_url, postgres_server  # noqa: F401 (fixtures)

LEGACY_SCHEMA = """
CREATE TABLE IF NOT EXISTS quota_ledger (
    day TEXT NOT NULL,          -- the Pacific date the units count against
    account TEXT NOT NULL,      -- fingerprint of the API key and endpoint ("demo" in demo mode)
    method TEXT NOT NULL,       -- e.g. videos.list
    units INTEGER NOT NULL,
    PRIMARY KEY (day, account, method)
)
"""  # y2s_core/store.py before the store package: the database an existing user has


def test_units_add_up_per_pacific_day_and_account(backend_url):
    store = Store(backend_url)
    late = datetime(2026, 7, 1, 6, 30, tzinfo=timezone.utc)  # 23:30 PDT on June 30
    after = datetime(2026, 7, 1, 7, 30, tzinfo=timezone.utc)  # 00:30 PDT on July 1: a new quota day
    store.record_quota("a", {"videos.list": 3, "playlistItems.list": 2}, now=late)
    store.record_quota("a", {"videos.list": 4}, now=late)
    store.record_quota("b", {"videos.list": 100}, now=late)
    store.record_quota("a", {"search.list": 100}, now=after)
    assert store.quota_today("a", now=late) == {"playlistItems.list": 2, "videos.list": 7}
    assert store.quota_today("a", now=after) == {"search.list": 100}
    assert pacific_day(late).isoformat() == "2026-06-30"


def test_fingerprint_never_holds_the_key():
    s = Settings(youtube_api_key="AIzaSECRET")
    assert s.account_fingerprint != Settings(youtube_api_key="other").account_fingerprint
    assert "SECRET" not in s.account_fingerprint and Settings().account_fingerprint == "demo"


@pytest.mark.parametrize(
    "units, by_method, line",
    [
        (12, {"videos.list": 5, "channels.list": 1, "playlistItems.list": 6},
         "12 quota units (channels.list 1, playlistItems.list 6, videos.list 5)"),
        (1234, {"search.list": 0, "videos.list": 1234}, "1,234 quota units (videos.list 1234)"),
        (0, {}, "0 quota units"),
        (0, None, "0 quota units"),
    ],
)
def test_quota_line_is_sorted_by_method_and_leaves_out_zeros(units, by_method, line):
    assert quota_line(units, by_method) == line


def test_meter_counts_a_search_as_one_call_of_its_bucket_and_skips_uncharged_requests():
    meter = QuotaMeter()
    meter.record("videos.list", charged=True)
    meter.record("videos.list", charged=False)  # e.g. a 503 or a refused key: Google bills nothing
    meter.record("search.list", charged=True)
    assert meter.snapshot() == {"videos.list": 1, "search.list": 1}
    assert meter.total_units == 1 and meter.search_calls == 1  # units of the main pool; calls of the search bucket


def test_the_ledger_keeps_search_calls_apart_from_units(tmp_path):
    mine = Settings(youtube_api_key="k1", data_dir=tmp_path)
    assert record_spend(mine, {"channels.list": 2, "search.list": 1}) == 2
    assert spent_today(mine) == 2


def test_record_spend_adds_to_the_ledger_and_returns_todays_total_for_the_key(tmp_path):
    mine, other = Settings(youtube_api_key="k1", data_dir=tmp_path), Settings(youtube_api_key="k2", data_dir=tmp_path)
    assert spent_today(mine) == 0
    assert record_spend(mine, {"channels.list": 1, "videos.list": 2}) == 3
    assert record_spend(other, {"videos.list": 50}) == 50
    assert record_spend(mine, {"videos.list": 4, "search.list": 0}) == 7
    assert record_spend(mine, {}) == 7  # nothing spent: still today's total
    assert spent_today(mine) == 7 and spent_today(other) == 50
    assert Store.in_dir(tmp_path).quota_today(mine.account_fingerprint) == {"channels.list": 1, "videos.list": 6}


def test_record_spend_returns_none_and_logs_when_the_data_dir_is_not_writable(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data dir should be")  # works as root too, unlike chmod
    settings = Settings(youtube_api_key="AIzaSECRET", data_dir=blocked)
    with caplog.at_level(logging.WARNING, logger="y2s_core.quota"):
        assert record_spend(settings, {"videos.list": 3}) is None
        assert spent_today(settings) is None
    [record] = [r for r in caplog.records if r.name == "y2s_core.quota"]
    message = record.getMessage()
    assert record.levelno == logging.WARNING and str(blocked) in message and "FileExistsError" in message
    assert "SECRET" not in message


def test_cli_runs_accumulate_in_the_ledger(tmp_path):
    env = {"Y2S_DATA_DIR": str(tmp_path)}
    for expected_runs in (1, 2):
        err = io.StringIO()
        assert cli.run(["fetch", "@oldschool", "--progress"], stdout=io.StringIO(), stderr=err, env=env) == 0
        line = [ln for ln in err.getvalue().splitlines() if ln.startswith("quota:")][0]
        per_run = int(line.split()[1].replace(",", ""))
        assert line.startswith(f"quota: {quota_line(per_run, None)} (")
        assert f"today {per_run * expected_runs:,} units" in line
    assert sum(Store.in_dir(tmp_path).quota_today("demo").values()) == 2 * per_run


def test_cli_with_an_unwritable_ledger_still_prints_its_rows_with_one_warning(tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["fetch", "@oldschool", "--max-videos", "3", "--progress"], stdout=out, stderr=err,
                   env={"Y2S_DATA_DIR": str(blocked)})
    assert code == 0 and len(json.loads(out.getvalue())) == 3
    lines = err.getvalue().splitlines()
    assert [ln for ln in lines if "ledger" in ln] == [f"warning: quota ledger not updated in {blocked} (FileExistsError)"]
    quota = [ln for ln in lines if ln.startswith("quota:")]
    assert len(quota) == 1 and "today" not in quota[0]


# ------------------------------------------------------------------------------------------- migrations


def test_a_ledger_only_database_is_migrated_and_keeps_its_ledger(tmp_path):
    path = tmp_path / "y2s.sqlite"
    with sqlite3.connect(path) as conn:  # what an existing user has on disk
        conn.execute(LEGACY_SCHEMA)
        conn.executemany("INSERT INTO quota_ledger VALUES (?, ?, ?, ?)",
                         [("2026-06-30", "abc", "videos.list", 40), ("2026-06-30", "abc", "channels.list", 2),
                          ("2026-06-29", "demo", "videos.list", 7)])
    conn.close()
    store = Store.in_dir(tmp_path)
    late = datetime(2026, 7, 1, 6, 30, tzinfo=timezone.utc)  # still June 30 in Pacific time
    assert store.quota_today("abc", now=late) == {"channels.list": 2, "videos.list": 40}
    assert store.quota_on("demo", date(2026, 6, 29)) == {"videos.list": 7}
    store.record_quota("abc", {"videos.list": 5}, now=late)  # the old rows keep adding up
    assert store.quota_today("abc", now=late) == {"channels.list": 2, "videos.list": 45}
    with sqlite3.connect(path) as conn:
        versions = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert [v for (v,) in versions] == [1, 2, 3, 4, 5] == list(range(1, SCHEMA_VERSION + 1))
    assert {"channels", "videos", "snapshots", "sync_state", "quota_ledger", "schema_migrations"} <= tables
    assert mode == "wal"


def test_migrations_build_exactly_the_tables_the_code_uses(backend_url):
    store = Store(backend_url)
    store.quota_today("x")  # opening migrates
    eng = create_engine(engine.normalize_url(backend_url))
    try:
        found = inspect(eng)
        for name, table in schema.TABLES.items():
            columns = {c["name"]: c["nullable"] for c in found.get_columns(name)}
            assert columns == {c.name: c.nullable for c in table.c}, name
            assert set(found.get_pk_constraint(name)["constrained_columns"]) == {c.name for c in table.primary_key}
            assert {i["name"] for i in found.get_indexes(name)} == {i.name for i in table.indexes}, name
    finally:
        eng.dispose()


def test_migrating_twice_changes_nothing_and_a_newer_database_is_refused(backend_url):
    store = Store(backend_url)
    store.record_quota("a", {"videos.list": 1})
    eng = engine.engine_for(backend_url)
    assert migrations.migrate(eng, store.where) == SCHEMA_VERSION  # again: nothing to do
    assert store.quota_today("a") == {"videos.list": 1}
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', :t)"),
                     {"t": datetime.now(timezone.utc) if conn.dialect.name == "postgresql" else "2030-01-01 00:00:00"})
    with pytest.raises(StoreError, match="schema version 99, newer than this YouTube2Sheets knows"):
        migrations.migrate(eng, store.where)


def test_a_migration_that_fails_leaves_the_previous_version(backend_url, monkeypatch):
    eng = engine.engine_for(backend_url)
    assert migrations.migrate(eng, "test", upto=1) == 1

    def broken(conn):
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "MIGRATIONS", (migrations.MIGRATIONS[0], migrations.Migration(2, "broken", broken)))
    with pytest.raises(RuntimeError):
        migrations.migrate(eng, "test")
    with eng.connect() as conn:
        assert migrations.current_version(conn) == 1
        assert not conn.dialect.has_table(conn, "half_done")  # the DDL was rolled back with it


def test_a_bad_database_url_is_one_clear_line(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="not a url at all")
    assert "PASSWORD" not in repr(Settings(database_url="postgresql://u:PASSWORD@h/db"))
    with pytest.raises(Exception, match="Y2S_DATABASE_URL is not a database URL"):
        Store.for_settings(settings).quota_today("a")
    assert record_spend(settings, {"videos.list": 1}) is None  # the ledger's policy: a warning, no exception


def test_an_unreachable_postgresql_is_a_store_error_without_the_password(tmp_path, caplog):
    url = "postgresql://y2s:s3cretpass@127.0.0.1:1/nowhere?connect_timeout=2"
    settings = Settings(data_dir=tmp_path, database_url=url)
    with pytest.raises(StoreError) as e:
        Store.for_settings(settings).quota_today("a")
    assert "s3cretpass" not in str(e.value) and "127.0.0.1" in str(e.value) and e.value.cause == "OperationalError"
    with caplog.at_level(logging.WARNING, logger="y2s_core.quota"):
        assert record_spend(settings, {"videos.list": 1}) is None
    assert "s3cretpass" not in caplog.text and "OperationalError" in caplog.text
    assert "s3cretpass" not in settings.redact(f"failed: {url}")


@pytest.mark.parametrize("table, url", [
    ({"url": "postgresql://u:p@db.example.com:5432/y2s"}, "postgresql://u:p@db.example.com:5432/y2s"),
    ({"dialect": "postgresql", "username": "u", "password": "p@ss", "host": "h", "port": "6543", "database": "d",
      "query": {"sslmode": "require"}}, "postgresql://u:p%40ss@h:6543/d?sslmode=require"),
    ({"dialect": "postgresql", "driver": "psycopg", "host": "h", "database": "d"}, "postgresql+psycopg://h/d"),
    ({}, None), ({"host": "h"}, None), ("not a table", None),
])
def test_the_apps_connections_table_gives_the_store_url(table, url):
    from y2s_core.store import url_from_connection

    assert url_from_connection(table) == url


def test_postgres_urls_use_psycopg_3():
    assert engine.normalize_url("postgres://u@h/d").drivername == "postgresql+psycopg"
    assert engine.normalize_url("postgresql://u@h/d").drivername == "postgresql+psycopg"
    assert engine.describe("postgresql://u:secret@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"


def test_the_log_redaction_knows_the_databases_password():
    from y2s_core import telemetry

    s = Settings(database_url="postgresql://u:p%40ssw0rd@127.0.0.1:1/d")
    assert {"p%40ssw0rd", "p@ssw0rd"} <= set(telemetry.settings_secrets(s))
    assert "ssw0rd" not in s.redact("failed for postgresql://u:p%40ssw0rd@h and p@ssw0rd")
