"""``create_app`` (the FastAPI app: routes, error handlers, middlewares, OpenAPI) and ``serve_api`` (uvicorn)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from .. import telemetry
from ..settings import Settings
from ..store.budgets import Budgets
from .cache import FetchCache
from .config import ApiConfig, check_bind
from .errors import install_error_handlers
from .routes import VERSION, router
from .security import StoreSlots, install_middleware

DESCRIPTION = """YouTube channels' videos, fetched at the least quota, upserted into Google Sheets or a workbook.

Every route but `/api/v1/health` needs `Authorization: Bearer <Y2S_API_TOKEN>` when the server has a token
(without one it serves on loopback only). Every failure is `{"error": message, "kind": name}`; 429 carries
`Retry-After`. Request bodies are limited to Y2S_API_MAX_BODY_BYTES (413), concurrent fetches per token to
Y2S_API_MAX_CONCURRENT_FETCHES in every API process on one store (429 TooManyRequests), a fetch to what is left of
Y2S_DAILY_QUOTA and of the token's Y2S_API_TOKEN_DAILY_UNITS (429 WouldNotFit, `budget`: "key" or "token"), Host headers to loopback names and Y2S_API_ALLOWED_HOSTS (400).
A request header must arrive within Y2S_API_HEADER_TIMEOUT seconds and a body must not pause longer than
Y2S_API_BODY_TIMEOUT (408); at most Y2S_API_MAX_CONNECTIONS connections are open (503 TooManyConnections).
"""


def create_app(settings: Settings | None = None, config: ApiConfig | None = None) -> FastAPI:
    """The API over ``settings`` (credentials, data dir) with ``config`` (token, limits); both from env by default."""
    settings = settings or Settings.from_env()
    config = config or ApiConfig.from_env()
    app = FastAPI(title="YouTube2Sheets", version=VERSION, description=DESCRIPTION,
                  openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None)
    app.state.settings, app.state.config = settings, config
    app.state.budgets = Budgets(settings)  # budgets and reservations in the store (every API process shares them)
    app.state.slots = StoreSlots(settings, config.max_concurrent_fetches)
    app.state.cache = FetchCache(config.cache_seconds)
    install_error_handlers(app, settings)
    app.include_router(router)
    install_middleware(app, config)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema without its 422 answers: validation errors are 400 with the one error shape here."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for path in schema.get("paths", {}).values():
        for op in path.values():
            op.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    app.openapi_schema = schema
    return schema


def serve_api(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
              env: Mapping[str, str] | None = None) -> None:
    """Serve with uvicorn. Refuses (InputError, exit 2) a non-loopback ``host`` without a token, or with a
    token under 32 characters. The HTTP edge (read timeouts, connection cap, bounded logs) is ``server``'s."""
    import uvicorn

    from .server import open_file_limit, quiet_connection_logs, server_options

    config = ApiConfig.from_env(env)
    check_bind(host, config)
    telemetry.configure_logging(env, default_level="INFO",
                                secrets=[*telemetry.settings_secrets(settings), *config.tokens])
    quiet_connection_logs()
    uvicorn.run(create_app(settings, config), host=host, port=port, **server_options(config, open_file_limit()))


__all__ = ["create_app", "serve_api"]
