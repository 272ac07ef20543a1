"""The REST API: a thin FastAPI face over the core (`python -m y2s_core api --port 8000`).

    GET  /health                  -> {"ok": true, "demo": bool}
    POST /fetch  {channels, filters?}              -> {rows, channels, resolutions, warnings, quota, complete}
    POST /push   {rows, sheet, tab?, dry_run?}     -> {new, updated, unchanged, summary, url}

Errors come back as {"error": message, "kind": class name} with 400 (invalid input), 404 (channel or
sheet not found), 403 (key or permission), 429 (YouTube quota; the partial rows ride along), 502 (other).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, create_model

from .errors import (
    ChannelNotFound,
    InputError,
    KeyInvalid,
    PermissionDenied,
    QuotaExceeded,
    SheetNotFound,
    Y2SError,
)
from .filters import FilterSpec
from .models import FetchResult
from .quota import record_spend
from .settings import Settings
from .store import remember
from .youtube import YouTubeClient


def _filters_model() -> type[BaseModel]:
    """The filters body, one optional field per FilterSpec field (text, a number or a list, as the CLI takes)."""
    fields: dict[str, Any] = {}
    for name, rule in FilterSpec.rules().items():
        kind: Any = bool if not rule.metavar else (int | str | list[str] | None)
        fields[name] = (kind, Field(default=False if kind is bool else None, description=rule.help))
    return create_model("Filters", **fields)


class Filters(_filters_model()):  # type: ignore[misc]
    def spec(self) -> FilterSpec:
        """Lists stay lists (a quoted phrase with a comma stays one keyword); text is parsed like the CLI's."""
        return FilterSpec.from_strings(**self.model_dump())


class FetchBody(BaseModel):
    channels: str | list[str]
    filters: Filters = Field(default_factory=Filters)


class PushBody(BaseModel):
    rows: list[dict[str, Any]]
    sheet: str
    tab: str = "Videos"
    dry_run: bool = False


STATUS = [(InputError, 400), (ChannelNotFound, 404), (SheetNotFound, 404), (KeyInvalid, 403),
          (PermissionDenied, 403), (QuotaExceeded, 429)]


def result_json(result: FetchResult) -> dict[str, Any]:
    return {
        "rows": result.rows(),
        "channels": [asdict(c) for c in result.channels],
        "resolutions": [
            {"input": str(r.ref), "channel_id": r.channel.id if r.channel else None, "error": r.error, "warning": r.warning}
            for r in result.resolutions
        ],
        "skipped_ids": list(result.skipped_ids),
        "warnings": list(result.warnings),
        "quota": dict(result.quota),
        "quota_units": result.quota_units,
        "search_calls": result.search_calls,
        "complete": result.complete,
        "incomplete": list(result.incomplete),
        "type_rules": dict(result.type_rules),
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(title="YouTube2Sheets", version="0.1.0")

    @app.exception_handler(Y2SError)
    async def y2s_error(request: Request, exc: Y2SError) -> JSONResponse:
        status = next((code for cls, code in STATUS if isinstance(exc, cls)), 502)
        body: dict[str, Any] = {"error": settings.redact(str(exc)), "kind": type(exc).__name__}
        if isinstance(exc, QuotaExceeded) and exc.partial is not None:
            body["partial"] = result_json(exc.partial)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse({"error": f"Invalid request body at {where or 'body'}: {first.get('msg', 'invalid')}.",
                             "kind": "InputError"}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": settings.redact(f"unexpected {type(exc).__name__}: {exc}"), "kind": "Error"},
                            status_code=502)

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "demo": settings.demo}

    @app.post("/fetch")
    def fetch(body: FetchBody) -> dict[str, Any]:
        client = YouTubeClient(settings)  # per request: quota is counted per call, no shared state
        try:
            result = client.fetch(body.channels, body.filters.spec())
        finally:  # a quota-cut fetch spent units too; an unwritable ledger is a logged warning, not a lost result
            record_spend(settings, client.meter.snapshot())
        remember(result, settings, body.filters.spec())  # stat snapshots; a failing store is a logged warning
        return result_json(result)

    @app.post("/push")
    def push(body: PushBody) -> dict[str, Any]:
        from .sheets import open_target
        from .sheets import push as do_push

        result = do_push(body.rows, open_target(body.sheet, body.tab, settings), dry_run=body.dry_run)
        p = result.plan
        return {"new": p.new, "updated": p.updated, "unchanged": p.unchanged, "summary": p.summary(),
                "url": result.url, "dry_run": result.dry_run}

    return app


def serve_api(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
