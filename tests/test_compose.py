"""compose.yaml and the GitHub Actions recipe, as far as they can be checked without a Docker engine or GitHub.

* Each file validated against its published schema with check-jsonschema's vendored copies (the Compose
  specification, ``vendor.compose-spec``; GitHub's workflow syntax, ``vendor.github-workflows``), run in this
  process, where tests/conftest.py refuses any connection beyond loopback: the schemas ship with the package
  and nothing is downloaded. A broken copy of each file fails, so the check does check.
* The structure, like tests/test_docker.py does for the Dockerfile: app, API and PostgreSQL services from the
  image, their commands the entry script's modes and ports its defaults; a health check on each; a volume
  for the database; the API token and the database password only as Docker secrets (no secret in the
  file); no container as root; every Y2S_* variable one the code reads.
* The entry script's ``NAME_FILE`` (how the secrets reach the containers) run from the checkout.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from dockerfile_parse import DockerfileParser

from tests.test_docker import (
    ENTRY,
    ENTRY_PATH,
    _env,
    _free_port,
    _ignored,
    _is_ignored,
    _start,
    _stop,
    _wait_for,
)
from y2s_core.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "compose.yaml"
WORKFLOW = REPO / "docs" / "github-actions-sync.yml"
ENTRY_MODES = ("app", "api", "fetch", "push", "sync", "history", "healthcheck")
SECRET_VARS = ("Y2S_API_TOKEN", "Y2S_DATABASE_URL", "PGPASSWORD", "YOUTUBE_API_KEY", "POSTGRES_PASSWORD",
               "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON")


def _validate(path: Path, schema: str) -> tuple[int, str]:
    """check-jsonschema --builtin-schema SCHEMA PATH, in this process (the network guard applies)."""
    from check_jsonschema import main

    result = CliRunner().invoke(main, ["--builtin-schema", schema, str(path)], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


# ------------------------------------------------------------------------------------------ the schemas


@pytest.mark.parametrize(("path", "schema"), [(COMPOSE, "vendor.compose-spec"), (WORKFLOW, "vendor.github-workflows")],
                         ids=["compose.yaml", "github-actions-sync.yml"])
def test_the_file_is_valid_against_its_published_schema_offline(path, schema):
    code, output = _validate(path, schema)
    assert code == 0 and "ok -- validation done" in output, output


def _broken_copies(tmp_path: Path) -> list[tuple[Path, str]]:
    broken_compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    broken_compose["services"]["api"]["healthchek"] = broken_compose["services"]["api"].pop("healthcheck")  # a typo
    broken_flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    del broken_flow["jobs"]["sync"]["runs-on"]  # a job with nowhere to run
    out = []
    for name, data, schema in (("compose.yaml", broken_compose, "vendor.compose-spec"),
                               ("flow.yml", broken_flow, "vendor.github-workflows")):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        out.append((path, schema))
    return out


def test_a_broken_copy_of_each_file_fails_the_same_check(tmp_path):
    for path, schema in _broken_copies(tmp_path):
        code, output = _validate(path, schema)
        assert code == 1 and "validation error" in output.lower(), output


def test_check_jsonschema_is_a_dev_requirement():
    reqs = (REPO / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    assert any(re.match(r"check-jsonschema\b", line) for line in reqs)
    assert (Path(sys.executable).parent / "check-jsonschema").exists()


# ------------------------------------------------------------------------------------------ the services


def test_the_app_the_api_and_postgresql_run(services):
    assert {"app", "api", "db"} <= set(services)
    assert services["app"]["command"] == ["app"] and services["api"]["command"] == ["api"]
    assert services["db"]["image"].startswith("postgres:")
    for name in ("app", "api", "sync"):
        assert services[name]["build"] == "." and services[name]["image"] == services["app"]["image"], name
        assert services[name]["command"][0] in ENTRY_MODES, name
    assert "profiles" in services["sync"] and "profiles" not in services["app"]  # one-shot: `up` leaves it


def test_the_scheduled_sync_is_a_valid_cli_command(services):
    command = services["sync"]["command"]
    args = build_parser().parse_args(command)
    mounts = {m.split(":")[1]: m.split(":")[0] for m in services["sync"]["volumes"]}
    assert args.config in mounts and mounts[args.config] == "./channels.toml"
    assert (REPO / "docs" / "channels.example.toml").is_file()


def test_ports_are_the_entry_scripts_and_the_images_and_on_loopback(services):
    df = DockerfileParser(str(REPO / "Dockerfile"))
    exposed = {p for i in df.structure if i["instruction"] == "EXPOSE" for p in i["value"].split()}
    script = ENTRY_PATH.read_text(encoding="utf-8")
    for name, var, port in (("app", "Y2S_APP_PORT", "8501"), ("api", "Y2S_API_PORT", "8000")):
        assert f"${{{var}:-{port}}}" in script and port in exposed
        assert services[name]["environment"][var] == port
        assert services[name]["ports"] == [f"127.0.0.1:{port}:{port}"], name
    assert "ports" not in services["db"]  # only the other services reach the database


def test_every_long_running_service_has_a_healthcheck(services):
    for name in ("app", "api"):
        check = services[name]["healthcheck"]
        assert check["test"] == ["CMD", f"/app/{ENTRY}", "healthcheck"], name
        assert {"interval", "timeout", "retries"} <= set(check), name
    db = services["db"]["healthcheck"]
    assert db["test"][:2] == ["CMD", "pg_isready"] and "--username=y2s" in db["test"]
    for name in ("app", "api", "sync"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy", name
    assert services["sync"]["healthcheck"] == {"disable": True}


def test_the_database_lives_in_a_named_volume(compose, services):
    mounts = [m.split(":") for m in services["db"]["volumes"]]
    assert ["y2s-db", "/var/lib/postgresql/data"] in mounts
    assert {"y2s-db", "y2s-data"} <= set(compose["volumes"])
    for name in ("app", "api", "sync"):
        assert "y2s-data:/data" in services[name]["volumes"] and services[name]["environment"]["Y2S_DATA_DIR"] == "/data"


def test_no_container_runs_as_root(services):
    df = DockerfileParser(str(REPO / "Dockerfile"))
    image_user = [i["value"] for i in df.structure if i["instruction"] == "USER"][-1]
    for name, service in services.items():
        user = str(service["user"])
        assert user.split(":")[0] not in ("", "root", "0"), name
        assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"], name
    for name in ("app", "api", "sync"):
        assert services[name]["user"] == image_user, name
    assert services["db"]["user"] == "postgres"


# -------------------------------------------------------------------------------------------- secrets


def test_the_token_and_the_database_password_are_docker_secrets(compose, services):
    declared = compose["secrets"]
    assert set(declared) == {"api_token", "db_password"}
    for secret in declared.values():
        assert set(secret) == {"file"} and secret["file"].startswith("./secrets/")
    api = services["api"]
    assert "api_token" in api["secrets"] and api["environment"]["Y2S_API_TOKEN_FILE"] == "/run/secrets/api_token"
    assert services["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    for name in ("app", "api", "sync"):
        env = services[name]["environment"]
        assert "db_password" in services[name]["secrets"], name
        assert env["PGPASSWORD_FILE"] == "/run/secrets/db_password", name
        assert env["Y2S_DATABASE_URL"] == "postgresql://y2s@db:5432/y2s", name  # no password in it
        assert "api_token" not in services[name]["secrets"] or name == "api"  # only the API holds the token
        assert services[name]["env_file"] == [{"path": "./secrets/google.env", "required": False}], name


def test_no_secret_is_written_in_the_file(services):
    text = COMPOSE.read_text(encoding="utf-8")
    for name, service in services.items():
        env = service.get("environment", {})
        for var in SECRET_VARS:
            assert var not in env or var == "Y2S_DATABASE_URL", (name, var)  # set from a file, never a value
        for var, value in env.items():
            assert not re.search(r"://[^/@\s]*:[^/@\s]*@", str(value)), (name, var)  # no user:password@ in a URL
    assert not re.search(r"(?i)(token|password|api_key)\s*[:=]\s*['\"]?[A-Za-z0-9_\-]{12,}", text)


def test_the_secret_files_stay_out_of_git_and_of_the_build_context():
    for rel in ("secrets/api_token", "secrets/db_password", "secrets/google.env"):
        ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", rel], cwd=REPO)
        assert ignored.returncode == 0, f"{rel} is not in .gitignore"
        assert _is_ignored(rel, _ignored()), f"{rel} is not in .dockerignore"


def test_every_variable_is_one_the_code_reads(services):
    sources = "".join(p.read_text(encoding="utf-8") for p in [*REPO.glob("y2s_core/**/*.py"), ENTRY_PATH])
    for name, service in services.items():
        for var in service.get("environment", {}):
            if var.startswith("Y2S_"):
                assert var.removesuffix("_FILE") in sources, (name, var)
            if var.endswith("_FILE") and name != "db":
                assert var.removesuffix("_FILE") in _entry_file_vars(), (name, var)


def _entry_file_vars() -> list[str]:
    m = re.search(r"^for name in ([A-Z0-9_ ]+); do$", ENTRY_PATH.read_text(encoding="utf-8"), re.M)
    assert m, "the entry script's NAME_FILE loop"
    return m.group(1).split()


# ------------------------------------------------------------------------- NAME_FILE in the entry script


def test_a_file_variable_sets_the_variable_and_is_dropped(tmp_path):
    secret = tmp_path / "db_password"
    secret.write_text("p@ss w\"o$rd`x`\n\n", encoding="utf-8")  # trailing newlines dropped, nothing expanded
    shown = "import os, json; print(json.dumps([os.environ.get('PGPASSWORD'), os.environ.get('PGPASSWORD_FILE')]))"
    done = subprocess.run([str(ENTRY_PATH), "python", "-c", shown], env=_env(tmp_path, PGPASSWORD_FILE=str(secret)),
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["p@ss w\"o$rd`x`", None]


def test_an_unreadable_file_variable_is_exit_2_in_one_line(tmp_path):
    missing = tmp_path / "nope"
    done = subprocess.run([str(ENTRY_PATH), "true"], env=_env(tmp_path, Y2S_API_TOKEN_FILE=str(missing)), cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: Y2S_API_TOKEN_FILE={missing} is not a readable file")
    assert len(done.stderr.splitlines()) == 1


def test_the_api_takes_its_token_from_the_secret_file(tmp_path):
    token = "compose-secret-token-0123456789abcdefghij"
    secret = tmp_path / "api_token"
    secret.write_text(token + "\n", encoding="utf-8")
    port = _free_port()
    env = _env(tmp_path, Y2S_API_TOKEN_FILE=str(secret), Y2S_API_HOST="127.0.0.1", Y2S_API_PORT=str(port),
               Y2S_APP_PORT=str(_free_port()))
    proc = _start(["api"], env)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        assert _wait_for(f"{base}/health", proc).json()["auth"] is True
        import httpx

        assert httpx.get(f"{base}/metrics", timeout=10).status_code == 401
        assert httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
    finally:
        _stop(proc)


# ------------------------------------------------------------------------------------ the Actions recipe


def test_the_workflow_runs_the_sync_on_a_schedule_with_its_secrets():
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"] and "workflow_dispatch" in triggers
    [step] = [s for s in flow["jobs"]["sync"]["steps"] if "y2s_core" in s.get("run", "")]
    args = shlex.split(step["run"])
    assert args[:4] == ["python", "-m", "y2s_core", "sync"] and build_parser().parse_args(args[3:]).config
    for var, value in step["env"].items():
        assert var in SECRET_VARS or var == "Y2S_DATA_DIR", var
        assert var == "Y2S_DATA_DIR" or value == f"${{{{ secrets.{var} }}}}", var
    assert flow["permissions"] == {"contents": "read"}

