"""Credentials and endpoints, from the environment or a mapping (the app passes st.secrets).

Variables (the contract in ARCHITECTURE.md):
    YOUTUBE_API_KEY                      YouTube Data API key
    GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON   a path to, or the text of, a service-account JSON key
    Y2S_YOUTUBE_API_URL                  base URL for YouTube (requests go to {base}/youtube/v3/...)
    Y2S_SHEETS_API_URL                   base URL for Sheets (requests go to {base}/v4/spreadsheets/...);
                                         when set, no OAuth token is fetched
    Y2S_DATA_DIR                         local state (the store's SQLite file, the default workbook)
    Y2S_DATABASE_URL                     the store in a database (SQLAlchemy URL, e.g. PostgreSQL) instead
    Y2S_DAILY_QUOTA                      the YouTube key's daily units (default 10,000): the quota planner's budget

With neither a YouTube key nor a YouTube URL the settings are in *demo mode*: the client runs on the
built-in emulator's demo catalog. Secrets never appear in ``repr`` or in any message.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import InputError

DEMO_API_KEY = "demo-key"


@dataclass(frozen=True)
class Settings:
    youtube_api_key: str | None = field(default=None, repr=False)
    service_account_info: Mapping[str, Any] | None = field(default=None, repr=False)
    youtube_api_url: str | None = None
    sheets_api_url: str | None = None
    data_dir: Path = field(default_factory=lambda: Path.home() / ".y2s")
    database_url: str | None = field(default=None, repr=False)  # the store (y2s_core.store); None: SQLite in data_dir
    daily_quota: int = 10_000  # units a day for this key (Y2S_DAILY_QUOTA): the quota planner's budget

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None,
        *, with_sheets: bool = True,
    ) -> Settings:
        """Read the environment; ``secrets`` (e.g. st.secrets) wins where it carries a value.

        ``with_sheets=False`` skips the Sheets credentials (a YouTube-only run does not fail on them).
        """
        env = os.environ if env is None else env
        secrets = secrets or {}
        key = _clean(secrets.get("YOUTUBE_API_KEY")) or _clean(env.get("YOUTUBE_API_KEY"))
        sa: Mapping[str, Any] | None = None
        if not with_sheets:
            pass
        elif secrets.get("gcp_service_account"):
            sa = _service_account_table(secrets["gcp_service_account"])
        elif _clean(env.get("GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON")):
            sa = load_service_account(env["GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON"])
        data_dir = _clean(env.get("Y2S_DATA_DIR"))
        return cls(
            youtube_api_key=key,
            service_account_info=sa,
            youtube_api_url=_clean(secrets.get("Y2S_YOUTUBE_API_URL")) or _clean(env.get("Y2S_YOUTUBE_API_URL")),
            sheets_api_url=_clean(secrets.get("Y2S_SHEETS_API_URL")) or _clean(env.get("Y2S_SHEETS_API_URL")),
            data_dir=Path(data_dir) if data_dir else Path.home() / ".y2s",
            database_url=_clean(secrets.get("Y2S_DATABASE_URL")) or _clean(env.get("Y2S_DATABASE_URL")),
            daily_quota=_daily_quota(_clean(secrets.get("Y2S_DAILY_QUOTA")) or _clean(env.get("Y2S_DAILY_QUOTA"))),
        )

    def with_api_key(self, key: str | None) -> Settings:
        """A copy using a personal key (the app's per-session key field)."""
        return replace(self, youtube_api_key=_clean(key) or self.youtube_api_key)

    @property
    def demo(self) -> bool:
        """No key and no endpoint: use the built-in emulator and its demo catalog."""
        return not self.youtube_api_key and not self.youtube_api_url

    @property
    def has_youtube_key(self) -> bool:
        return bool(self.youtube_api_key)

    @property
    def has_sheets(self) -> bool:
        """Google Sheets can be reached: a service account, or an emulator URL (no token needed)."""
        return bool(self.service_account_info) or bool(self.sheets_api_url)

    @property
    def account_fingerprint(self) -> str:
        """Names the YouTube key + endpoint in cache keys and the quota ledger without holding the key."""
        if self.demo:
            return "demo"
        material = f"{self.youtube_api_key or ''}\0{self.youtube_api_url or ''}"
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]

    @property
    def service_account_email(self) -> str | None:
        if self.service_account_info:
            return self.service_account_info.get("client_email")
        return None

    def redact(self, text: str) -> str:
        """Remove any secret this object holds from ``text`` (for messages built from library errors)."""
        secrets = [self.youtube_api_key]
        if self.service_account_info:
            secrets += [self.service_account_info.get("private_key"), self.service_account_info.get("private_key_id")]
        if self.database_url:  # a database password (postgresql://user:PASSWORD@host/db)
            secrets += url_passwords(self.database_url)
        for s in secrets:
            if s and len(s) >= 4:
                text = text.replace(s, "[redacted]")
        return text


def _daily_quota(text: str | None) -> int:
    """Y2S_DAILY_QUOTA: a whole number of units (10,000 when unset)."""
    if not text:
        return 10_000
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise InputError(f"Y2S_DAILY_QUOTA must be a whole number of units like 10000, not {text[:20]!r}.")
    return value


def load_service_account(value: str) -> dict[str, Any]:
    """A path to a JSON key file, or the JSON text itself -> dict. InputError names the problem, never the key."""
    value = value.strip()
    if value.startswith("{"):
        try:
            info = json.loads(value)
        except json.JSONDecodeError as e:
            raise InputError(
                f"GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON holds text that is not valid JSON (line {e.lineno}); "
                "set it to the path of the key file or paste the whole JSON."
            ) from None
    else:
        path = Path(value).expanduser()
        if not path.is_file():
            raise InputError(
                f"GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON points to {path}, which is not a file; "
                "set it to the path of the service-account key file or to the JSON text."
            )
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError(f"{path} is not a valid service-account JSON key file.") from None
    if not isinstance(info, dict) or "client_email" not in info:
        raise InputError(
            "The service-account JSON has no client_email: download a key for a service account "
            "(IAM > Service accounts > Keys > Add key > JSON)."
        )
    return info


def _service_account_table(value: Any) -> dict[str, Any]:
    """st.secrets' [gcp_service_account] -> dict, with the same checks as the JSON key file."""
    if not isinstance(value, Mapping):
        raise InputError(
            "[gcp_service_account] in the secrets must be a table holding the fields of the service-account "
            "JSON key (type, project_id, private_key, client_email, ...), not a single value."
        )
    info = dict(value)
    if "client_email" not in info:
        raise InputError(
            "[gcp_service_account] in the secrets has no client_email: paste every field of the "
            "service-account JSON key (IAM > Service accounts > Keys > Add key > JSON)."
        )
    return info


def url_passwords(url: str) -> list[str | None]:
    """The password inside a database URL, as written and percent-decoded ([] when there is none)."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password, unquote(password)] if password else []


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


__all__ = ["Settings", "load_service_account", "url_passwords", "DEMO_API_KEY"]
