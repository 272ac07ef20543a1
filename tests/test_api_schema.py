"""The served OpenAPI document is the contract: schemathesis against the API served by uvicorn on 127.0.0.1 with
the token, the core in demo mode. No answer is a server error; every status, content type, header and body is
the documented one; every request the document admits is accepted (never a 400) and every one it does not
admit is refused (400).

* ``test_schemathesis_run_with_every_check_finds_nothing``: the command line, ``schemathesis run
  .../api/v1/openapi.json --checks all`` with every phase (the schema's examples, coverage, fuzzing, stateful
  sequences along the inferred links), bounded by ``RUN_EXAMPLES`` per operation and run in a process of its
  own (about 50 s on 2 cores). tests/schema_hooks.py orders the two pairs of bounds no JSON Schema can relate
  (min/max_duration, since/until): the only hook.
* Per operation, through schemathesis 4's Python API (which drives hypothesis directly: its pytest plugin's
  ``from_fixture`` does not run under pytest 9): the schema's own examples; generated valid input
  ("positive"), half of it steered to a demo channel and a workbook name so that it reaches the core rather
  than being refused as a channel not found; generated invalid input ("negative"). ``MAX_EXAMPLES`` bounds
  each run.
* The five mismatches ``schemathesis run -c all`` found before the document said what the API enforces (issue
  17 item 11), each checked against the served document and the server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.api_helpers import AUTH, TOKEN, served
from tests.schema_hooks import order_case
from y2s_core.api import ApiConfig, create_app
from y2s_core.settings import Settings

REPO = Path(__file__).resolve().parent.parent
# negative_data_rejection is the command-line run's: here every call carries the token, which undoes a negative
# case's own mutation when it is a missing Authorization header (its other checks run here too)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, positive_data_acceptance]
MAX_EXAMPLES = 10
# the command-line run, per operation and phase (coverage generates every case it defines): 5 in the suite (about
# 40 s on 2 busy cores), scripts/fuzz.sh runs it with 25
RUN_EXAMPLES = int(os.environ.get("Y2S_API_EXAMPLES_RUN", "5"))
OPERATIONS = ["GET /api/v1/health", "GET /api/v1/channels/{channel}/videos", "POST /api/v1/fetch",
              "POST /api/v1/push", "POST /api/v1/process", "GET /api/v1/metrics"]
WITHOUT_INPUT = {"GET /api/v1/health", "GET /api/v1/metrics"}  # nothing to make invalid or steer
DEMO_CHANNELS = ["@y2sdemo", "@oldschool", "@emptychannel", "@bigchannel"]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with served(_app(tmp_path_factory, "schema-data")) as url:
        yield url, schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")


def _call(case, url: str):
    return case.call_and_validate(base_url=url, headers={**AUTH, "Host": "localhost"}, checks=CHECKS)


def _app(tmp_path_factory, name: str):
    data = tmp_path_factory.mktemp(name)
    # cache off, a generous fetch limit and a budget the quota planner never runs out of (its 429 would leave
    # the logic behind it untested): every generated request reaches the core
    return create_app(Settings(data_dir=data, daily_quota=10_000_000),
                      ApiConfig(tokens=(TOKEN,), cache_seconds=0, max_concurrent_fetches=4))


def _steer(case, channel: str, sheet: str) -> None:
    """Put a real channel and a workbook name into a generated case (the rest stays generated)."""
    if "channel" in (case.path_parameters or {}):
        case.path_parameters["channel"] = channel
    if isinstance(case.body, dict):
        if "channels" in case.body:
            case.body["channels"] = channel
        if "sheet" in case.body:
            case.body["sheet"] = sheet
        if isinstance(case.body.get("filters"), dict):
            case.body["filters"].pop("max_videos", None)  # keep @bigchannel from listing all 2,600 videos
        if "filters" in case.body or "rows" not in case.body:
            case.body.setdefault("filters", {})["max_videos"] = 20
    if case.query is not None and "channel" in (case.path_parameters or {}):
        case.query["max_videos"] = "20"


def test_the_schema_holds_every_operation(api):
    _, schema = api
    assert sorted(r.ok().label for r in schema.get_all_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_the_schemas_examples_succeed(api, label):
    """Each documented example works (the parameters it leaves out are generated, so some may be a 400)."""
    url, schema = api
    operation = schema.find_operation_by_label(label)
    for strategy in operation.get_strategies_from_examples() or [operation.as_strategy()]:
        codes = _statuses(strategy, url)
        assert codes[200] + codes[403] > 0 and max(codes) < 500, codes  # 403: a Google sheet, no service account


def _statuses(strategy, url: str) -> Counter[int]:
    codes: Counter[int] = Counter()

    @given(case=strategy)
    @settings(max_examples=5, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case):
        codes[_call(order_case(case), url).status_code] += 1

    run()
    return codes


RUNS = [(label, mode) for label in OPERATIONS for mode in GenerationMode
        if mode is GenerationMode.POSITIVE or label not in WITHOUT_INPUT]


@pytest.mark.parametrize(("label", "mode"), RUNS, ids=[f"{label}-{mode.value}" for label, mode in RUNS])
def test_no_server_error_and_every_answer_as_documented(api, label, mode):
    url, schema = api
    operation = schema.find_operation_by_label(label)
    seen: Counter[int] = Counter()
    steer = mode is GenerationMode.POSITIVE and label not in WITHOUT_INPUT

    @given(case=operation.as_strategy(generation_mode=mode), steered=st.booleans(),
           channel=st.sampled_from(DEMO_CHANNELS), sheet=st.sampled_from(["fuzz.xlsx", "fuzz.csv"]))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case, steered, channel, sheet):
        if steer and steered:
            _steer(case, channel, sheet)
        seen[_call(order_case(case), url).status_code] += 1

    run()
    assert seen and max(seen) < 500, seen
    if steer:
        assert seen[200] > 0, seen  # the core was reached, not only the validation


# ------------------------------------------------------------------- the command line, every check and phase


def _figures(output: str) -> dict[str, int]:
    """The counts schemathesis prints in its summary (cases generated, passed, failed...)."""
    m = re.search(r"(\d+) generated, (?:(\d+) passed)?(?:, )?(?:(\d+) found \d+ unique failures?)?(?:, )?(?:(\d+) skipped)?",
                  output)
    assert m, output[-3000:]
    generated, passed, failed, skipped = (int(g or 0) for g in m.groups())
    operations = re.search(r"Operations:\s+(\d+) selected / (\d+) total", output)
    scenarios = re.search(r"Scenarios:\s+(\d+)", output)
    return {"operations": int(operations.group(1)) if operations else 0, "generated": generated, "passed": passed,
            "failed": failed, "skipped": skipped, "scenarios": int(scenarios.group(1)) if scenarios else 0}


def test_schemathesis_run_with_every_check_finds_nothing(tmp_path_factory):
    """``schemathesis run .../openapi.json --checks all``, every phase, the app served in this process."""
    with served(_app(tmp_path_factory, "cli-data")) as url:
        command = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{url}/api/v1/openapi.json",
                   "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
                   "--max-examples", str(RUN_EXAMPLES), "--seed", "17", "--workers", "2",
                   "--header", f"Authorization: Bearer {TOKEN}", "--generation-database", "none",
                   "--request-timeout", "60", "--no-color", "--suppress-health-check", "all"]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schema_hooks", "PYTHONPATH": str(REPO)}
        # its own folder: schemathesis keeps a crash cache (.schemathesis/) where it runs
        done = subprocess.run(command, cwd=tmp_path_factory.mktemp("cli-cwd"), env=env, capture_output=True,
                              text=True, timeout=600)
    output = done.stdout + done.stderr
    figures = _figures(output)
    print(f"schemathesis --checks all: {figures}")
    assert done.returncode == 0 and "No issues found" in output, output[-6000:]
    assert figures["operations"] == len(OPERATIONS) and figures["failed"] == 0
    assert figures["generated"] > 500 and figures["scenarios"] > 0, figures
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅\s+{phase} \(in", output), f"{phase} did not pass:\n{output[-3000:]}"


# ------------------------------------------------------- issue 17 item 11: the five mismatches, document vs server


@pytest.fixture(scope="module")
def document(api):
    url, _ = api
    return httpx.get(f"{url}/api/v1/openapi.json", timeout=10).json()


def _admits(document: dict, schema: dict, value) -> bool:
    """Whether the served document's ``schema`` (its $refs resolved in the document) admits ``value``."""
    return jsonschema_rs.validator_for({**schema, "components": document["components"]}).is_valid(value)


def _body_schema(document: dict, path: str) -> dict:
    return document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


MISMATCHES = [  # (what schemathesis found, method, path, body or None, the path parameter or None)
    ("a channel '0' in the path was schema-valid, refused with 400", "get", "/api/v1/channels/0/videos", None, "0"),
    ('"types": [""] was schema-valid, refused with 400', "post", "/api/v1/fetch",
     {"channels": "@y2sdemo", "filters": {"types": [""]}}, None),
    ('"types": [] was schema-valid, refused with 400', "post", "/api/v1/fetch",
     {"channels": "@y2sdemo", "filters": {"types": []}}, None),
    ('"sheet": "" was schema-valid, refused with 400', "post", "/api/v1/push", {"rows": [], "sheet": ""}, None),
    ('"dry_run": 0 violated the schema, taken as false', "post", "/api/v1/push",
     {"rows": [{"video_id": "dQw4w9WgXcQ"}], "sheet": "m.csv", "dry_run": 0}, None),
]


@pytest.mark.parametrize(("what", "method", "path", "body", "channel"), MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_each_mismatch_found_is_refused_by_the_document_and_the_server_alike(api, document, what, method, path, body,
                                                                            channel):
    url, _ = api
    if channel is not None:
        [param] = [p for p in document["paths"]["/api/v1/channels/{channel}/videos"]["get"]["parameters"]
                   if p["name"] == "channel"]
        admitted = _admits(document, param["schema"], channel)
    else:
        admitted = _admits(document, _body_schema(document, path), body)
    r = httpx.request(method.upper(), f"{url}{path}", json=body, headers=AUTH, timeout=30)
    assert not admitted, f"the document still admits it: {what}"
    assert r.status_code == 400 and r.json()["kind"] == "InputError", r.text
    assert set(r.json()) == {"error", "kind"}


def test_a_valid_push_is_admitted_and_done_and_true_is_a_dry_run(api, document):
    url, _ = api
    body = {"rows": [{"video_id": "dQw4w9WgXcQ", "views": 3}], "sheet": "contract.csv", "dry_run": True}
    assert _admits(document, _body_schema(document, "/api/v1/push"), body)
    r = httpx.post(f"{url}/api/v1/push", json=body, headers=AUTH, timeout=30)
    assert r.status_code == 200 and r.json()["dry_run"] is True and r.json()["new"] == 1


def test_every_operation_documents_the_400_shape_and_booleans_are_strict(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            bad = op["responses"].get("400")
            assert bad, f"{method.upper()} {path} does not document 400"
            schema = bad["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, schema)
    error = document["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"error", "kind"}
    for name in ("FetchBody", "PushBody", "ProcessBody"):
        schema = document["components"]["schemas"][name]
        assert schema["additionalProperties"] is False
        for prop, spec in schema["properties"].items():
            if spec.get("type") == "boolean":
                assert not _admits(document, spec, 0) and not _admits(document, spec, "true"), (name, prop)
    filters = document["components"]["schemas"]["Filters"]["properties"]
    types = [s for s in filters["types"]["anyOf"] if s.get("type") == "array"][0]
    assert types["items"]["enum"] == ["short", "long", "live", "upcoming"] and types["minItems"] == 1
    for name in ("since", "until", "min_duration", "max_duration", "max_videos"):
        assert any("pattern" in s for s in filters[name]["anyOf"]), name
