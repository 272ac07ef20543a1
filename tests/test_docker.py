"""The Docker image, as far as it can be checked without a Docker engine: the Dockerfile parsed with
dockerfile-parse (base, layers, user, health check, entry point, COPY sources present and not ignored),
and its entry script run from the checkout in both modes: the dashboard answers /_stcore/health; the API
refuses to start beyond loopback without a token, and with one serves /api/v1/health."""

from __future__ import annotations

import fnmatch
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from dockerfile_parse import DockerfileParser

REPO = Path(__file__).resolve().parent.parent
ENTRY = "scripts/docker-entrypoint.sh"
ENTRY_PATH = REPO / ENTRY


@pytest.fixture(scope="module")
def dockerfile():
    return DockerfileParser(str(REPO / "Dockerfile"))


def _instructions(df, name):
    return [i["value"] for i in df.structure if i["instruction"] == name]


def _ignored() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _is_ignored(rel: str, patterns: list[str]) -> bool:
    parts = Path(rel).parts
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        if fnmatch.fnmatch(rel, pattern) or any(fnmatch.fnmatch("/".join(parts[:i + 1]), pattern) for i in range(len(parts))):
            return True
        if pattern.startswith("**/") and any(fnmatch.fnmatch(p, bare) for p in parts):
            return True
    return False


# ---------------------------------------------------------------------------------------- Dockerfile


def test_a_slim_python_base(dockerfile):
    assert dockerfile.baseimage.startswith("python:3.") and dockerfile.baseimage.endswith("-slim")


def test_every_copy_source_exists_and_is_in_the_build_context(dockerfile):
    patterns = _ignored()
    copies = _instructions(dockerfile, "COPY")
    assert copies
    for value in copies:
        *sources, _dest = value.split()
        for src in sources:
            path = REPO / src
            assert path.exists(), src
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
            assert files, src
            for f in files:
                rel = str(f.relative_to(REPO))
                assert not _is_ignored(rel, patterns), f"{rel} is copied but .dockerignore drops it"


def test_the_requirements_layer_comes_before_the_code(dockerfile):
    steps = [(i["instruction"], i["value"]) for i in dockerfile.structure if i["instruction"] in ("COPY", "RUN")]
    req = steps.index(("COPY", "requirements.txt ./"))
    install = next(n for n, (ins, v) in enumerate(steps) if ins == "RUN" and "pip install -r requirements.txt" in v)
    code = next(n for n, (ins, v) in enumerate(steps) if ins == "COPY" and v.startswith("y2s_core/"))
    assert req < install < code


def test_it_runs_as_a_non_root_user(dockerfile):
    users = _instructions(dockerfile, "USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any("useradd" in run and users[-1].split(":")[0] in run for run in _instructions(dockerfile, "RUN"))


def test_the_entry_point_is_the_script_and_the_default_is_the_app(dockerfile):
    assert json.loads(_instructions(dockerfile, "ENTRYPOINT")[-1]) == [f"/app/{ENTRY}"]
    assert json.loads(_instructions(dockerfile, "CMD")[-1]) == ["app"]
    assert "WORKDIR" in {i["instruction"] for i in dockerfile.structure} and _instructions(dockerfile, "WORKDIR")[-1] == "/app"


def test_a_healthcheck_probes_the_running_face(dockerfile):
    (check,) = _instructions(dockerfile, "HEALTHCHECK")
    assert f'["/app/{ENTRY}", "healthcheck"]' in check and "--interval=" in check
    script = ENTRY_PATH.read_text(encoding="utf-8")
    assert "/_stcore/health" in script and "/api/v1/health" in script


def test_the_data_folder_is_a_volume_owned_by_the_user(dockerfile):
    assert dockerfile.envs["Y2S_DATA_DIR"] == "/data"
    assert json.loads(_instructions(dockerfile, "VOLUME")[-1]) == ["/data"]
    assert any("chown" in run and "/data" in run for run in _instructions(dockerfile, "RUN"))


def test_secrets_and_local_state_stay_out_of_the_build_context():
    patterns = _ignored()
    for rel in (".streamlit/secrets.toml", ".venv/bin/python", ".git/config", "y2s_core/__pycache__/x.pyc",
                "videos.xlsx", ".y2s/y2s.sqlite"):
        assert _is_ignored(rel, patterns), rel


def test_the_entry_script_is_executable_in_git():
    mode = subprocess.run(["git", "ls-files", "-s", ENTRY], capture_output=True, text=True, cwd=REPO).stdout.split()
    assert mode and mode[0] == "100755", mode


# -------------------------------------------------------------------------------------- entry script


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Y2S_", "YOUTUBE_", "GOOGLE_"))}
    env.update({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", "Y2S_DATA_DIR": str(tmp_path),
                "HOME": str(tmp_path)})
    env.update(extra)
    return env


def _start(args, env) -> subprocess.Popen:
    return subprocess.Popen([str(ENTRY_PATH), *args], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 90) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200:
                return r
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def _healthcheck(env) -> int:
    return subprocess.run([str(ENTRY_PATH), "healthcheck"], env=env, cwd=REPO, capture_output=True, timeout=30).returncode


def test_the_default_mode_serves_the_dashboard_and_its_health_endpoint(tmp_path):
    port = _free_port()
    env = _env(tmp_path, Y2S_APP_HOST="127.0.0.1", Y2S_APP_PORT=str(port), Y2S_API_PORT=str(_free_port()))
    assert _healthcheck(env) == 1  # nothing runs yet
    proc = _start([], env)
    try:
        r = _wait_for(f"http://127.0.0.1:{port}/_stcore/health", proc)
        assert r.text.strip() == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        assert _healthcheck(env) == 0
    finally:
        _stop(proc)


def test_api_mode_refuses_to_serve_beyond_loopback_without_a_token(tmp_path):
    port = _free_port()
    done = subprocess.run([str(ENTRY_PATH), "api"], env=_env(tmp_path, Y2S_API_PORT=str(port)), cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: Refusing to serve the API on '0.0.0.0' without a token")
    assert len(done.stderr.splitlines()) == 1
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)


def test_api_mode_with_a_token_serves_the_health_endpoint_and_guards_the_rest(tmp_path):
    port, token = _free_port(), "docker-test-token-42"
    # 127.0.0.1 rather than the image's 0.0.0.0: a test does not open a port to the network
    env = _env(tmp_path, Y2S_API_TOKEN=token, Y2S_API_HOST="127.0.0.1", Y2S_API_PORT=str(port),
               Y2S_APP_PORT=str(_free_port()), Y2S_LOG_FORMAT="json")
    proc = _start(["api"], env)
    try:
        health = _wait_for(f"http://127.0.0.1:{port}/api/v1/health", proc).json()
        assert health["ok"] is True and health["auth"] is True and health["demo"] is True
        base = f"http://127.0.0.1:{port}/api/v1"
        assert httpx.get(f"{base}/metrics", timeout=10).status_code == 401
        got = httpx.get(f"{base}/channels/@y2sdemo/videos", params={"max_videos": 2}, timeout=30,
                        headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 200 and len(got.json()["rows"]) == 2
        assert _healthcheck(env) == 0
    finally:
        _stop(proc)
    logs = [json.loads(line) for line in proc.stderr.read().splitlines() if line.startswith("{")]
    assert any(r["logger"] == "y2s_core.api" and r.get("route") == "/api/v1/health" for r in logs)
    assert not any(token in json.dumps(r) for r in logs)


def test_cli_commands_pass_through(tmp_path):
    done = subprocess.run([str(ENTRY_PATH), "fetch", "@oldschool", "--max-videos", "2", "-q"], env=_env(tmp_path),
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 2
