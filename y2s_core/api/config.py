"""The REST API's own settings (who may call it, from where, how much), read from the environment.

    Y2S_API_TOKEN                    bearer token(s) every route but health requires; several, comma-separated,
                                     give several callers their own (each has its own fetch limit).
                                     Unset: no token is asked, and the server binds to loopback only.
    Y2S_API_ALLOWED_HOSTS            Host header names accepted besides the loopback ones (comma-separated;
                                     "*.example.com" matches subdomains, "*" anything): DNS-rebinding guard
    Y2S_API_ALLOWED_SHEETS           Google spreadsheet keys a push may write to (comma-separated); unset: any
                                     sheet shared with the service account
    Y2S_API_MAX_BODY_BYTES           request body limit (default 5 MiB) -> 413 beyond it
    Y2S_API_MAX_CONCURRENT_FETCHES   fetches running at once per token (default 2), counted in the store: every
                                     API process on one database shares them -> 429 beyond it
    Y2S_API_TOKEN_DAILY_UNITS        YouTube units (main pool) each token may spend a Pacific day, its fetches still
                                     running included (unset: no budget of its own; Y2S_DAILY_QUOTA still holds
                                     for everyone) -> 429 WouldNotFit, "budget": "token", before any call
    Y2S_API_CACHE_SECONDS            how long GET .../videos answers from a finished fetch (default 300; 0: never)
    Y2S_API_MAX_CONNECTIONS          open connections at most (default 1000; lowered to fit the open-file limit).
                                     At the cap a new connection closes the one that has waited longest for its
                                     client's bytes (a slow or half-sent request); when none is waiting, 503.
    Y2S_API_HEADER_TIMEOUT           seconds a client has to send a whole request header (default 10) -> 408
    Y2S_API_BODY_TIMEOUT             the longest pause, in seconds, between two reads of a body (default 30) -> 408

Beyond loopback every token must be at least 32 characters (``secrets.token_urlsafe(32)`` makes 43).

Credentials for YouTube and Sheets are the core's ``Settings``; tokens never appear in ``repr``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_CONCURRENT_FETCHES = 2
DEFAULT_CACHE_SECONDS = 300.0
DEFAULT_MAX_CONNECTIONS = 1000
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
MIN_TOKEN_LENGTH = 32  # beyond loopback


@dataclass(frozen=True)
class ApiConfig:
    tokens: tuple[str, ...] = field(default=(), repr=False)
    allowed_hosts: tuple[str, ...] = ()  # besides LOOPBACK_HOSTS
    allowed_sheets: frozenset[str] | None = None  # None: any
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_concurrent_fetches: int = DEFAULT_MAX_CONCURRENT_FETCHES
    cache_seconds: float = DEFAULT_CACHE_SECONDS
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    token_daily_units: int | None = None  # None: a token has no daily budget of its own

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiConfig:
        """Read the variables above; ``InputError`` names a variable whose value is not usable."""
        env = os.environ if env is None else env
        sheets = _items(env.get("Y2S_API_ALLOWED_SHEETS"))
        return cls(
            tokens=_items(env.get("Y2S_API_TOKEN")),
            allowed_hosts=tuple(h.lower() for h in _items(env.get("Y2S_API_ALLOWED_HOSTS"))),
            allowed_sheets=frozenset(sheets) if sheets else None,
            max_body_bytes=_number(env, "Y2S_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, minimum=1),
            max_concurrent_fetches=_number(env, "Y2S_API_MAX_CONCURRENT_FETCHES", DEFAULT_MAX_CONCURRENT_FETCHES,
                                           minimum=1),
            cache_seconds=float(_number(env, "Y2S_API_CACHE_SECONDS", int(DEFAULT_CACHE_SECONDS), minimum=0)),
            max_connections=_number(env, "Y2S_API_MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS, minimum=1),
            header_timeout=float(_number(env, "Y2S_API_HEADER_TIMEOUT", int(DEFAULT_HEADER_TIMEOUT), minimum=1)),
            body_timeout=float(_number(env, "Y2S_API_BODY_TIMEOUT", int(DEFAULT_BODY_TIMEOUT), minimum=1)),
            token_daily_units=_number(env, "Y2S_API_TOKEN_DAILY_UNITS", None, minimum=1),
        )

    @property
    def requires_token(self) -> bool:
        return bool(self.tokens)

    def host_allowed(self, host: str) -> bool:
        """Whether a Host header's name (no port) may reach the API: loopback names, then the allowed list."""
        h = host.lower().rstrip(".")
        if h in LOOPBACK_HOSTS:
            return True
        for allowed in self.allowed_hosts:
            if allowed == "*" or h == allowed or (allowed.startswith("*.") and h.endswith(allowed[1:])):
                return True
        return False


def is_loopback(host: str) -> bool:
    """'127.0.0.1', '::1', 'localhost' (and the rest of 127/8) -> True; '0.0.0.0', '' or a name -> False."""
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


_MAKE_TOKEN = "`export Y2S_API_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')`"


def check_bind(host: str, config: ApiConfig) -> None:
    """Refuse to listen beyond loopback without a token, or with a token shorter than MIN_TOKEN_LENGTH:
    anyone who reaches the port (or guesses a short token) could spend the quota."""
    if is_loopback(host):
        return
    if not config.requires_token:
        raise InputError(
            f"Refusing to serve the API on {host!r} without a token: anyone who can reach it could spend the "
            f"YouTube quota and write to your sheets. Set Y2S_API_TOKEN (e.g. {_MAKE_TOKEN}), or serve on 127.0.0.1."
        )
    short = [i for i, token in enumerate(config.tokens, 1) if len(token) < MIN_TOKEN_LENGTH]
    if short:
        which = "token" if len(config.tokens) == 1 else f"token #{short[0]} of {len(config.tokens)}"
        raise InputError(
            f"Refusing to serve the API on {host!r} with a short token: Y2S_API_TOKEN's {which} has "
            f"{len(config.tokens[short[0] - 1])} characters, and beyond loopback each needs at least "
            f"{MIN_TOKEN_LENGTH}. Make one with {_MAKE_TOKEN}, or serve on 127.0.0.1."
        )


def _items(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(",") if p.strip())


def _number(env: Mapping[str, str], name: str, default: Any, *, minimum: int) -> Any:
    raw = (env.get(name) or "").strip().replace("_", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise InputError(f"{name}={raw[:20]!r} must be a whole number of at least {minimum}.")
    return int(raw)


__all__ = ["ApiConfig", "LOOPBACK_HOSTS", "MIN_TOKEN_LENGTH", "check_bind", "is_loopback"]
