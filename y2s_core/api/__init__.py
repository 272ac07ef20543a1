"""The REST API: a thin FastAPI face over the core (``python -m y2s_core api [--host H] [--port P]``).

    GET  /api/v1/health                      liveness, version, demo, configured credentials, store (no token)
    GET  /api/v1/channels/{channel}/videos   a channel's videos; filters as query parameters (cached briefly)
    POST /api/v1/fetch    {channels, filters?}                        rows, channels, quota, completeness
    POST /api/v1/push     {rows, sheet, tab?, dry_run?}               the plan, its warnings, the result
    POST /api/v1/process  {channels, filters?, sheet, tab?, dry_run?} fetch, then push
    GET  /api/v1/metrics                     Prometheus text
    GET  /api/v1/openapi.json, /api/v1/docs  the schema and its page

Modules: ``config`` (token, hosts, sheets, limits from the environment), ``security`` (Host check, body
limit, bearer token, fetch slots, request log), ``models`` (pydantic, generated from the core's
declarations), ``routes``, ``errors`` (the one error shape), ``cache``, ``app`` (create_app, serve_api).
"""

from __future__ import annotations

from .app import create_app, serve_api
from .config import ApiConfig, check_bind
from .routes import result_json

__all__ = ["ApiConfig", "check_bind", "create_app", "result_json", "serve_api"]
