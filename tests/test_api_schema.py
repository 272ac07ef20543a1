"""The served OpenAPI schema, fuzzed by schemathesis against the API served by uvicorn on 127.0.0.1 with the
token, the core in demo mode: no answer is a server error, and every status, content type and body is
the documented one.

Three runs per operation: the schema's own examples; generated valid input ("positive"), half of it
steered to a demo channel and a workbook name so that it reaches the core rather than stopping at a 400;
generated invalid input ("negative"). schemathesis 4's Python API drives hypothesis directly (its pytest
plugin's ``from_fixture`` does not run under pytest 9); ``MAX_EXAMPLES`` bounds each run.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.api_helpers import AUTH, TOKEN, served
from y2s_core.api import ApiConfig, create_app
from y2s_core.settings import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 30
OPERATIONS = ["GET /api/v1/health", "GET /api/v1/channels/{channel}/videos", "POST /api/v1/fetch",
              "POST /api/v1/push", "POST /api/v1/process", "GET /api/v1/metrics"]
WITHOUT_INPUT = {"GET /api/v1/health", "GET /api/v1/metrics"}  # nothing to make invalid or steer
DEMO_CHANNELS = ["@y2sdemo", "@oldschool", "@emptychannel", "@bigchannel"]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    data = tmp_path_factory.mktemp("schema-data")
    # cache off and a generous fetch limit: every generated request reaches the core
    app = create_app(Settings(data_dir=data), ApiConfig(tokens=(TOKEN,), cache_seconds=0, max_concurrent_fetches=4))
    with served(app) as url:
        yield url, schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")


def _call(case, url: str):
    return case.call_and_validate(base_url=url, headers={**AUTH, "Host": "localhost"}, checks=CHECKS)


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
        codes[_call(case, url).status_code] += 1

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
        seen[_call(case, url).status_code] += 1

    run()
    assert seen and max(seen) < 500, seen
    if steer:
        assert seen[200] > 0, seen  # the core was reached, not only the validation
