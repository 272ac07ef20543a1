"""The configuration names users were promised (issue 19, item 7).

``MAX_VIDEOS`` (environment or secrets): the default max videos of every face: CLI fetch and sync (and a
``--config`` entry without its own), the app's filter form, the REST API's filters; unset = all, an explicit
``--max-videos`` (``all`` too) wins. ``RATE_LIMIT_DELAY``: at least that many seconds between the starts of
two YouTube requests of the process (``transport.PACER``), parallel chains included; 0 (the default) costs
nothing. A bad value of either is one ``InputError`` naming the variable (exit 2).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.api_helpers import AUTH, api_client
from tests.app_helpers import fetch, start_app, texts
from y2s_core import cli
from y2s_core.emulators.transport import HttplibHttp
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.errors import InputError
from y2s_core.quota import QuotaMeter
from y2s_core.schedule import load
from y2s_core.settings import Settings
from y2s_core.youtube import YouTubeClient
from y2s_core.youtube.transport import MeteredHttp, Pacer

REPO = Path(__file__).resolve().parent.parent
TOLERANCE = 0.003  # seconds: from the pacer letting a request go to the emulator stamping it


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), stdout=out, stderr=err, env={"Y2S_DATA_DIR": os.environ["Y2S_DATA_DIR"], **(env or {})})
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize("text, value", [("7", 7), (" 1,000 ", 1000), ("all", None), ("ALL", None), ("", None),
                                         ("  ", None)])
def test_max_videos_is_a_whole_number_or_all(text, value):
    assert Settings.from_env({"MAX_VIDEOS": text}).max_videos == value


@pytest.mark.parametrize("text", ["0", "-3", "1.5", "ten", "7 videos", "١٢", "9999999999"])
def test_a_bad_max_videos_is_one_clear_error_naming_it(text):
    with pytest.raises(InputError) as e:
        Settings.from_env({"MAX_VIDEOS": text})
    message = str(e.value)
    assert message.startswith("MAX_VIDEOS must be a whole number of videos per channel") and "\n" not in message


@pytest.mark.parametrize("text, value", [("0.05", 0.05), ("2s", 2.0), ("0", 0.0), ("", 0.0), ("60", 60.0),
                                         (" 1.5 S ", 1.5)])
def test_rate_limit_delay_is_seconds(text, value):
    assert Settings.from_env({"RATE_LIMIT_DELAY": text}).rate_limit_delay == value


@pytest.mark.parametrize("text", ["-1", "abc", "nan", "inf", "61", "500ms", "0,5", "½"])
def test_a_bad_rate_limit_delay_is_one_clear_error_naming_it(text):
    with pytest.raises(InputError) as e:
        Settings.from_env({"RATE_LIMIT_DELAY": text})
    assert str(e.value).startswith("RATE_LIMIT_DELAY must be a number of seconds from 0 to 60")


def test_unset_means_every_video_and_no_pause_and_a_secret_wins_over_the_environment():
    plain = Settings.from_env({})
    assert (plain.max_videos, plain.rate_limit_delay) == (None, 0.0)
    both = Settings.from_env({"MAX_VIDEOS": "7", "RATE_LIMIT_DELAY": "1"},
                             secrets={"MAX_VIDEOS": 5, "RATE_LIMIT_DELAY": 0.25})  # st.secrets: TOML numbers
    assert (both.max_videos, both.rate_limit_delay) == (5, 0.25)


def test_filter_defaults_fill_only_a_max_videos_left_unset():
    s = Settings(max_videos=7)
    assert s.filter_defaults({})["max_videos"] == 7
    assert s.filter_defaults({"max_videos": None, "types": "short"}) == {"max_videos": 7, "types": "short"}
    assert s.filter_defaults({"max_videos": " "})["max_videos"] == 7
    assert s.filter_defaults({"max_videos": 3})["max_videos"] == 3
    assert s.filter_defaults({"max_videos": "all"})["max_videos"] == "all"  # the user's "every video" wins
    assert Settings().filter_defaults({"max_videos": None}) == {"max_videos": None}


# ------------------------------------------------------------------------------------------ MAX_VIDEOS


def test_max_videos_is_the_default_of_fetch_and_the_flag_overrides_it():
    code, out, err = run("fetch", "@y2sdemo", env={"MAX_VIDEOS": "7"})
    assert code == 0, err
    assert len(json.loads(out)) == 7
    code, out, _ = run("fetch", "@y2sdemo", "--max-videos", "3", env={"MAX_VIDEOS": "7"})
    assert code == 0 and len(json.loads(out)) == 3
    code, out, _ = run("fetch", "@y2sdemo", "--max-videos", "all", env={"MAX_VIDEOS": "7"})
    assert code == 0 and len(json.loads(out)) == len(json.loads(run("fetch", "@y2sdemo")[1])) > 7


def test_max_videos_from_the_real_environment_of_a_cli_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YOUTUBE_", "Y2S_YOUTUBE", "GOOGLE_"))}
    env.update(MAX_VIDEOS="7", Y2S_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "y2s_core", "fetch", "@y2sdemo", "--format", "csv"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1 + 7  # the header and 7 rows


@pytest.mark.parametrize("name, value", [("MAX_VIDEOS", "none of them"), ("RATE_LIMIT_DELAY", "fast")])
def test_a_bad_value_stops_the_cli_with_exit_2_and_one_line_naming_it(name, value):
    code, out, err = run("fetch", "@y2sdemo", env={name: value})
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {name} must be")


def test_max_videos_is_the_default_of_sync_and_of_a_config_entry_without_its_own(tmp_path):
    book = tmp_path / "v.csv"
    code, out, err = run("sync", "@oldschool", "--sheet", str(book), env={"MAX_VIDEOS": "7"})
    assert code == 0, err
    assert len(book.read_text(encoding="utf-8").splitlines()) == 1 + 7
    config = tmp_path / "channels.toml"
    config.write_text('sheet = "x.csv"\n'
                      '[[sync]]\nname = "default"\nchannels = ["@a"]\n'
                      '[[sync]]\nname = "own"\nchannels = ["@a"]\nfilters = { max_videos = 3 }\n'
                      '[[sync]]\nname = "every"\nchannels = ["@a"]\nfilters = { max_videos = "all" }\n',
                      encoding="utf-8")
    assert [e.spec.max_videos for e in load(config, Settings(max_videos=7))] == [7, 3, None]
    assert [e.spec.max_videos for e in load(config)] == [None, 3, None]


@pytest.fixture
def app_env(monkeypatch, fresh_app_env):
    monkeypatch.setenv("MAX_VIDEOS", "7")


def test_max_videos_is_the_app_filter_forms_default_and_the_user_may_change_it(app_env):
    at = start_app()
    assert at.number_input(key="fetch.max_videos").value == 7
    at = fetch(at, "@y2sdemo")
    assert not at.exception and len(at.session_state["y2s.result"].videos) == 7
    at = fetch(at, max_videos=3)
    assert len(at.session_state["y2s.result"].videos) == 3
    at.run()
    assert at.number_input(key="fetch.max_videos").value == 3, "seeded once a session, not over the user's choice"


def test_max_videos_from_the_apps_secrets_and_a_bad_one_is_said_in_the_banner(fresh_app_env, monkeypatch):
    assert start_app(secrets={"MAX_VIDEOS": 5}).number_input(key="fetch.max_videos").value == 5
    monkeypatch.setenv("MAX_VIDEOS", "lots")
    at = start_app()
    assert not at.exception
    assert any(t.startswith("MAX_VIDEOS must be a whole number") for t in texts(at.error)), texts(at.error)
    assert at.number_input(key="fetch.max_videos").value == 0  # the default: every video


def test_max_videos_is_the_rest_apis_default_filter(tmp_path):
    api = api_client(Settings(data_dir=tmp_path, max_videos=7))
    r = api.get("/api/v1/channels/%40y2sdemo/videos", headers=AUTH)
    assert r.status_code == 200, r.text
    assert len(r.json()["rows"]) == 7
    r = api.post("/api/v1/fetch", headers=AUTH, json={"channels": "@y2sdemo"})
    assert len(r.json()["rows"]) == 7
    r = api.get("/api/v1/channels/%40y2sdemo/videos?max_videos=all", headers=AUTH)
    assert len(r.json()["rows"]) > 7


# ------------------------------------------------------------------------------------ RATE_LIMIT_DELAY


class Stamped:
    """The emulator's http object, noting the monotonic time each request reaches it (the emulator's calls
    carry no time of their own)."""

    def __init__(self, inner: HttplibHttp, stamps: list[float]) -> None:
        self.inner, self.stamps = inner, stamps

    def request(self, uri, *args, **kwargs):
        self.stamps.append(time.monotonic())  # list.append: atomic, any thread
        return self.inner.request(uri, *args, **kwargs)

    def close(self) -> None:
        pass


def stamped_client(emu: YouTubeEmulator, stamps: list[float], delay: float) -> YouTubeClient:
    return YouTubeClient(Settings(youtube_api_key="k", rate_limit_delay=delay),
                         http_factory=lambda: Stamped(HttplibHttp(emu), stamps), retry_sleep=lambda s: None)


def test_a_fetch_with_a_rate_limit_delay_starts_its_requests_that_far_apart():
    delay = 0.05
    emu, stamps = YouTubeEmulator(), []
    result = stamped_client(emu, stamps, delay).fetch("@y2sdemo")
    assert result.complete and len(result.videos) > 100
    calls = len(emu.calls)
    assert calls >= 8 and len(stamps) == calls  # every request went through the pacer
    stamps.sort()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= delay - TOLERANCE, gaps
    assert stamps[-1] - stamps[0] >= (calls - 1) * delay - TOLERANCE


def test_parallel_requests_share_the_one_pace_of_the_process():
    """Several threads (the chains of a fetch, other sessions' clients) draw on one pacer."""
    delay, stamps = 0.02, []
    pacer = Pacer()

    def worker() -> None:
        for _ in range(5):
            pacer.wait(delay)
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert len(stamps) == 20
    assert min(b - a for a, b in itertools.pairwise(stamps)) >= delay - TOLERANCE


def test_the_pacer_waits_until_last_start_plus_delay_and_sleeps_outside_its_lock():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        assert not pacer._lock.locked(), "the pacer sleeps outside its lock"
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep)
    assert pacer.wait(0.5) == 0  # the first request starts at once
    now[0] += 0.2
    assert pacer.wait(0.5) == pytest.approx(0.3) and slept == [pytest.approx(0.3)]
    now[0] += 2
    assert pacer.wait(0.5) == 0  # long after the last start: no wait


def test_no_delay_costs_nothing_the_pacer_is_not_even_asked():
    class Refuses:
        def wait(self, delay: float) -> float:
            raise AssertionError("a delay of 0 must not reach the pacer")

    http = MeteredHttp(HttplibHttp(YouTubeEmulator()), QuotaMeter(), "k", delay=0, pacer=Refuses())
    resp, _ = http.request("https://youtube.googleapis.com/youtube/v3/channels?part=id&forHandle=%40y2sdemo")
    assert int(resp.status) == 200


def test_the_client_paces_when_settings_say_so(monkeypatch):
    asked: list[float] = []
    from y2s_core.youtube import transport

    monkeypatch.setattr(transport.PACER, "wait", lambda delay: asked.append(delay) or 0.0)
    emu = YouTubeEmulator()
    stamped_client(emu, [], 0.25).fetch("@oldschool")
    assert asked and set(asked) == {0.25} and len(asked) == len(emu.calls)


# ------------------------------------------------------------------------------------------ scripts/app.sh


def app_sh(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """What scripts/app.sh would run: the script, copied beside a stub setup.sh and a stub .venv/bin/python
    that prints its arguments (no server starts, nothing is installed)."""
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "app.sh"
    script.write_text((REPO / "scripts" / "app.sh").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "scripts" / "setup.sh").write_text("#!/usr/bin/env bash\nexit 0\n", encoding="utf-8")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    python = tmp_path / ".venv" / "bin" / "python"
    python.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    for f in (script, tmp_path / "scripts" / "setup.sh", python):
        f.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if not k.startswith("Y2S_APP_")}
    done = subprocess.run(["bash", str(script), *args], env={**base, **(env or {})}, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def option(out: str, name: str) -> str:
    words = out.splitlines()
    return words[len(words) - 1 - words[::-1].index(name) + 1]  # the last one given wins, as in streamlit


def test_the_app_listens_on_loopback_only_by_default(tmp_path):
    out = app_sh(tmp_path)
    assert option(out, "--server.address") == "127.0.0.1" and option(out, "--server.port") == "8501"
    assert option(out, "--server.headless") == "true" and option(out, "--browser.gatherUsageStats") == "false"


@pytest.mark.parametrize("args, env, host", [(("--expose",), {}, "0.0.0.0"),
                                             ((), {"Y2S_APP_HOST": "0.0.0.0"}, "0.0.0.0"),
                                             ((), {"Y2S_APP_HOST": "192.168.1.20"}, "192.168.1.20"),
                                             (("--server.address", "10.0.0.5"), {}, "10.0.0.5")])
def test_the_app_can_be_exposed_on_purpose(tmp_path, args, env, host):
    out = app_sh(tmp_path, *args, env=env)
    assert option(out, "--server.address") == host
    if host == "0.0.0.0":  # no public-IP lookup ("Did not auto detect external IP"): the script says the address
        assert option(out, "--logger.hideWelcomeMessage") == "true"
        assert out.startswith("The app listens on every interface, port 8501: http://")
