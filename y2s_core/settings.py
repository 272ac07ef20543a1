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
    Y2S_DAILY_SEARCH_CALLS               the key's daily search.list calls, its own bucket (default 100)
    Y2S_DAILY_STATS_CALLS                the key's daily videos.batchGetStats calls, its own bucket (default 10,000)
    MAX_VIDEOS                           the default --max-videos of every face (CLI fetch/sync, the app's filter
                                         form, the REST API's filters): the newest N per channel; unset = all
    RATE_LIMIT_DELAY                     at least this many seconds between two YouTube requests of this process
                                         (default 0: no pause; parallel chains share it)

The service account may also come from st.secrets: ``[gcp_service_account]`` as a table of the key's
fields or as the JSON text, or ``GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON`` (``load_service_account`` says
which shapes are read and which refused).

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
from .quota import DAILY_UNITS, SEARCH_DAILY_CALLS, STATS_DAILY_CALLS, DailyBudgets

DEMO_API_KEY = "demo-key"


@dataclass(frozen=True)
class Settings:
    youtube_api_key: str | None = field(default=None, repr=False)
    service_account_info: Mapping[str, Any] | None = field(default=None, repr=False)
    youtube_api_url: str | None = None
    sheets_api_url: str | None = None
    data_dir: Path = field(default_factory=lambda: Path.home() / ".y2s")
    database_url: str | None = field(default=None, repr=False)  # the store (y2s_core.store); None: SQLite in data_dir
    daily_quota: int = DAILY_UNITS  # units a day for this key (Y2S_DAILY_QUOTA): the quota planner's budget
    daily_search_calls: int = SEARCH_DAILY_CALLS  # search.list calls a day (Y2S_DAILY_SEARCH_CALLS): its own bucket
    daily_stats_calls: int = STATS_DAILY_CALLS  # videos.batchGetStats calls a day (Y2S_DAILY_STATS_CALLS): its own bucket
    max_videos: int | None = None  # MAX_VIDEOS: the default max_videos filter of every face (None: all)
    rate_limit_delay: float = 0.0  # RATE_LIMIT_DELAY: minimum seconds between two YouTube requests (0: none)
    youtube_feed_url: str | None = None  # base URL of the uploads feed (Y2S_YOUTUBE_FEED_URL); None: youtube.feed decides

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
        key = (check_api_key(secrets.get("YOUTUBE_API_KEY"), "The YOUTUBE_API_KEY secret")
               or check_api_key(env.get("YOUTUBE_API_KEY")))
        sa: Mapping[str, Any] | None = None
        if not with_sheets:
            pass
        elif secrets.get("gcp_service_account"):
            sa = _service_account_setting(secrets["gcp_service_account"])
        elif _clean(secrets.get(ENV_SERVICE_ACCOUNT)):
            sa = load_service_account(secrets[ENV_SERVICE_ACCOUNT], f"The {ENV_SERVICE_ACCOUNT} secret")
        elif _clean(env.get(ENV_SERVICE_ACCOUNT)):
            sa = load_service_account(env[ENV_SERVICE_ACCOUNT])
        data_dir = _clean(env.get("Y2S_DATA_DIR"))
        return cls(
            youtube_api_key=key,
            service_account_info=sa,
            youtube_api_url=_clean(secrets.get("Y2S_YOUTUBE_API_URL")) or _clean(env.get("Y2S_YOUTUBE_API_URL")),
            sheets_api_url=_clean(secrets.get("Y2S_SHEETS_API_URL")) or _clean(env.get("Y2S_SHEETS_API_URL")),
            data_dir=Path(data_dir) if data_dir else Path.home() / ".y2s",
            database_url=_clean(secrets.get("Y2S_DATABASE_URL")) or _clean(env.get("Y2S_DATABASE_URL")),
            daily_quota=_daily_quota(_clean(secrets.get("Y2S_DAILY_QUOTA")) or _clean(env.get("Y2S_DAILY_QUOTA"))),
            daily_search_calls=_daily_budget("Y2S_DAILY_SEARCH_CALLS", _setting("Y2S_DAILY_SEARCH_CALLS", env, secrets),
                                             SEARCH_DAILY_CALLS, "search.list calls like 100"),
            daily_stats_calls=_daily_budget("Y2S_DAILY_STATS_CALLS", _setting("Y2S_DAILY_STATS_CALLS", env, secrets),
                                            STATS_DAILY_CALLS, "videos.batchGetStats calls like 10000"),
            max_videos=_max_videos(_setting("MAX_VIDEOS", env, secrets)),
            rate_limit_delay=_rate_limit_delay(_setting("RATE_LIMIT_DELAY", env, secrets)),
            youtube_feed_url=_clean(secrets.get("Y2S_YOUTUBE_FEED_URL")) or _clean(env.get("Y2S_YOUTUBE_FEED_URL")),
        )

    def filter_defaults(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A face's filter values (``FilterSpec.from_strings``' names) with MAX_VIDEOS for a max_videos the user
        left unset (absent, None or blank); a value given, "all" included, is kept."""
        out = dict(values)
        given = out.get("max_videos")
        if self.max_videos is not None and (given is None or (isinstance(given, str) and not given.strip())):
            out["max_videos"] = self.max_videos
        return out

    def with_api_key(self, key: str | None) -> Settings:
        """A copy using a personal key (the app's per-session key field)."""
        return replace(self, youtube_api_key=_clean(key) or self.youtube_api_key)

    @property
    def budgets(self) -> DailyBudgets:
        """Each quota bucket's daily budget: the planner's, the quota line's, /metrics'."""
        return DailyBudgets(self.daily_quota, self.daily_search_calls, self.daily_stats_calls)

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
            pk = self.service_account_info.get("private_key")
            secrets += [pk, self.service_account_info.get("private_key_id")]
            if isinstance(pk, str):  # a message may quote one line of the key's body, or its escaped form
                secrets += [pk.replace("\n", "\\n"), *(line.strip() for line in pk.splitlines())]
        short_ok = [self.youtube_api_key]  # whole secrets, redacted however short (>= 4 characters)
        if self.database_url:  # a database password (postgresql://user:PASSWORD@host/db)
            short_ok += url_passwords(self.database_url)
        short_ok += url_secrets(self.youtube_api_url) + url_secrets(self.sheets_api_url)  # user:PW@, ?key=K
        secrets += short_ok
        for s in sorted((s for s in secrets if isinstance(s, str)), key=len, reverse=True):
            if len(s) >= 8 or (len(s) >= 4 and s in short_ok):
                text = text.replace(s, "[redacted]")
        return text


def _daily_quota(text: str | None) -> int:
    """Y2S_DAILY_QUOTA: a whole number of units (10,000 when unset)."""
    return _daily_budget("Y2S_DAILY_QUOTA", text, DAILY_UNITS, "units like 10000")


def _daily_budget(name: str, text: str | None, default: int, what: str) -> int:
    """A bucket's daily budget: a whole number (1 or more; "10,000" and "10_000" too), ``default`` when unset;
    anything else is one InputError naming ``name``."""
    if not text:
        return default
    digits = text.replace(",", "").replace("_", "")
    value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 12 else 0
    if value <= 0:
        raise InputError(f"{name} must be a whole number of {what}, not {text[:20]!r}.")
    return value


def _setting(name: str, env: Mapping[str, str], secrets: Mapping[str, Any]) -> str | None:
    """A plain setting's text: the secret when it carries a value, else the environment's."""
    return _clean(secrets.get(name)) or _clean(env.get(name))


MAX_RATE_LIMIT_DELAY = 60.0  # seconds: more is a typo (milliseconds meant?) that would stall every fetch


def _max_videos(text: str | None) -> int | None:
    """MAX_VIDEOS: a whole number of videos (1 or more); unset, blank or "all" for every video."""
    if not text or text.lower() == "all":
        return None
    digits = text.replace(",", "").replace("_", "")
    value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else 0
    if value <= 0:
        raise InputError(f"MAX_VIDEOS must be a whole number of videos per channel like 50 (or unset, or all, for "
                         f"every video), not {text[:20]!r}.")
    return value


def _rate_limit_delay(text: str | None) -> float:
    """RATE_LIMIT_DELAY: seconds (a decimal like 0.5; "2s" too) between two YouTube requests; unset: 0."""
    if not text:
        return 0.0
    number = text[:-1].strip() if text.lower().endswith("s") else text
    try:
        value = float(number) if number.isascii() else -1.0
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_RATE_LIMIT_DELAY:  # NaN too
        raise InputError(f"RATE_LIMIT_DELAY must be a number of seconds from 0 to {MAX_RATE_LIMIT_DELAY:g} like 0.5 "
                         f"(the least time between two YouTube requests), not {text[:20]!r}.")
    return value


ENV_SERVICE_ACCOUNT = "GOOGLE_SHEETS_SERVICE_ACCOUNT_JSON"
SECRETS_SERVICE_ACCOUNT = "[gcp_service_account] in the secrets"
_PEM_MARK = "PRIVATE KEY-----"  # "-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----", ...
_MAX_PATH = 4096  # PATH_MAX on Linux: anything longer is not a path
_BOM = "\ufeff"


def load_service_account(value: str, where: str = ENV_SERVICE_ACCOUNT) -> dict[str, Any]:
    """A path to a JSON key file, or the JSON text itself -> dict. InputError names the problem, never the key.

    Harmless wrappings are undone first: surrounding whitespace, a BOM, quotes (``docker --env-file``
    keeps them: ``VAR="{...}"``), a JSON string holding the JSON (double-encoded), a list holding the
    one key object, line breaks inside the key that should have been ``\n`` escapes. A bare PEM
    private key is refused as such. No message ever quotes the value: it may be the key itself.
    ``where`` names the setting in messages (the variable, or the app's secret).
    """
    text = _unwrap(value)
    if not text:
        raise InputError(f"{where} is empty: set it to the path of the service-account key file or to its JSON text.")
    if _PEM_MARK in text and not text.startswith(("{", "[")):
        raise InputError(f"{where}: that is a private key, not the service-account JSON. Download the whole JSON "
                         "key (IAM > Service accounts > Keys > Add key > JSON) and set its path or its text.")
    if text.startswith(("{", "[")):
        return _check_info(_parse_json(text, where), where)
    return _check_info(_read_key_file(text, where), where)


def _unwrap(value: str) -> str:
    """``value`` without surrounding whitespace, BOMs, matching quotes or a JSON-string encoding."""
    text = str(value)
    for _ in range(4):  # each layer at most once or twice: "'{...}'" with a BOM ...
        text = text.strip().lstrip(_BOM).strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            if text[0] == '"':
                try:
                    decoded = json.loads(text)
                except (ValueError, RecursionError):
                    decoded = None
                if isinstance(decoded, str):  # a JSON string holding the JSON (double-encoded)
                    text = decoded
                    continue
            text = text[1:-1]
            continue
        break
    return text


def _parse_json(text: str, where: str) -> Any:
    """The key object in ``text``; ``strict=False`` takes line breaks inside strings (a pasted key's \n)."""
    try:
        info = json.loads(text, strict=False)
    except json.JSONDecodeError as e:
        raise InputError(
            f"{where} holds text that is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
            "set it to the path of the key file or paste the whole JSON."
        ) from None
    except (ValueError, RecursionError):
        raise InputError(f"{where} holds text that is not valid JSON; set it to the path of the key file "
                         "or paste the whole JSON.") from None
    if isinstance(info, list):
        if len(info) != 1:
            raise InputError(f"{where} holds a JSON list of {len(info)} items; set it to the one "
                             "service-account key object {...} itself.")
        info = info[0]
    return info


def _looks_like_a_path(text: str) -> bool:
    """Short, one line, printable and ending in .json: a path the user meant, safe to show back."""
    return len(text) <= 300 and text.isprintable() and text.lower().endswith(".json")


def _read_key_file(text: str, where: str) -> Any:
    neither = (f"{where}: the value is neither a readable file path nor service-account JSON; set it to the path "
               "of the key file or to the JSON text ({...}).")
    if len(text) > _MAX_PATH or not text.isprintable():
        raise InputError(neither)
    try:
        path = Path(text).expanduser()
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{where}: cannot read {path} (permission denied); let this user read the key file.") from None
    except (OSError, ValueError, RuntimeError):  # missing, a folder, name too long, a NUL, ~nobody ...
        if _looks_like_a_path(text):
            raise InputError(f"{where} points to {text}, which is not a file; set it to the path of the "
                             "service-account key file or to the JSON text.") from None
        raise InputError(neither) from None
    try:
        content = _unwrap(data.decode("utf-8"))
    except UnicodeDecodeError:
        content = ""
    if _PEM_MARK in content and not content.startswith(("{", "[")):
        raise InputError(f"{path} holds a private key, not the service-account JSON: download the whole JSON key "
                         "(IAM > Service accounts > Keys > Add key > JSON).")
    if not content.startswith(("{", "[")):
        raise InputError(f"{path} is not a service-account JSON key file; download the JSON key "
                         "(IAM > Service accounts > Keys > Add key > JSON).")
    return _parse_json(content, f"The file {path}")


def _check_info(info: Any, where: str) -> dict[str, Any]:
    if isinstance(info, dict) and ("installed" in info or "web" in info) and "client_email" not in info:
        raise InputError(f"{where} holds an OAuth client ID file, not a service-account key: create a key for a "
                         "service account (IAM > Service accounts > Keys > Add key > JSON).")
    if not isinstance(info, dict) or not isinstance(info.get("client_email"), str):
        raise InputError(
            f"{where}: the service-account JSON has no client_email: download a key for a service account "
            "(IAM > Service accounts > Keys > Add key > JSON)."
        )
    return info


def _service_account_setting(value: Any) -> dict[str, Any]:
    """st.secrets' [gcp_service_account]: a table of the key's fields, or the JSON key as text (or its path)."""
    if isinstance(value, str):
        return load_service_account(value, SECRETS_SERVICE_ACCOUNT)
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


def shown_url(url: str | None) -> str:
    """An endpoint URL fit to show anywhere (a page, an error, /health, a log): no ``user:password@`` part, no
    query or fragment (they may carry keys). The one function every face uses for a URL it shows."""
    from urllib.parse import urlsplit, urlunsplit

    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an endpoint URL that does not parse)"
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def url_secrets(url: str | None) -> list[str]:
    """What an endpoint URL may hide (for ``Settings.redact``): its user-info password and query values."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    if not url:
        return []
    try:
        parts = urlsplit(url)
        found = [parts.password or ""] + [v for _, v in parse_qsl(parts.query)]
    except ValueError:
        return []
    return [s for p in found if p for s in (p, unquote(p))]


def url_passwords(url: str) -> list[str | None]:
    """The passwords inside a database URL, as written and percent-decoded ([] when there is none): the
    user-info's (up to the last ``@``, as libpq reads it) and a ``password=`` / ``sslpassword=`` in the query."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    try:
        parts = urlsplit(url)
        found = [parts.password] + [v for k, v in parse_qsl(parts.query, keep_blank_values=False)
                                    if k.lower() in ("password", "sslpassword")]
    except ValueError:
        return []
    out: list[str | None] = []
    for p in found:
        if p:
            out += [p, unquote(p)]
    return out


def check_api_key(key: str | None, where: str = "YOUTUBE_API_KEY") -> str | None:
    """``key`` stripped, or InputError when it holds what no API key has (a line break, a space, non-ASCII).

    Such a key would only fail later, inside the HTTP client ("Invalid header value"); the message never
    quotes it.
    """
    k = _clean(key)
    if k is not None and not (k.isascii() and k.isprintable() and " " not in k):
        raise InputError(f"{where} holds a line break, space or other character no API key has: set it to the "
                         "key alone (one word of letters, digits, - and _, like AIza…).")
    return k


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


__all__ = ["Settings", "load_service_account", "url_passwords", "check_api_key", "DEMO_API_KEY", "ENV_SERVICE_ACCOUNT"]
