"""Channel inputs, in any form a user pastes, -> ``ChannelRef`` (or one ``InputError`` naming every bad one).

Accepted, one per line or separated by commas/semicolons (whitespace also separates URLs and @handles)::

    @handle  handle  UCxxxxxxxxxxxxxxxxxxxxxx
    youtube.com/@handle[/videos|/shorts|...]     -> handle   (www./m./music., any scheme case, ?si=...)
    youtube.com/channel/UC...[/videos]           -> id
    youtube.com/user/NAME                        -> username
    youtube.com/c/NAME, youtube.com/NAME         -> custom   (legacy custom URLs)
    youtube.com/watch?v=ID, youtu.be/ID, /shorts/ID, /live/ID, /embed/ID, youtube-nocookie.com/embed/ID
                                                 -> video    (resolved to the video's channel)

Nothing but ``InputError`` ever leaves ``parse``/``parse_one``: the text comes straight from users.

``video_id_from_url`` is the project's one video-link parser: ``sheets`` uses it to find a row's video
id in the URL column, and ``parse`` reads video links with the same rule (``_site`` and
``_video_candidate``), adding only its own refusals and messages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import InputError
from .models import ChannelRef

MAX_INPUT_CHARS = 500  # one channel input
MAX_INPUTS = 200  # distinct channels per call
MAX_TEXT_CHARS = MAX_INPUTS * (MAX_INPUT_CHARS + 2)  # the whole text, before splitting
MAX_LISTED_PROBLEMS = 20  # the combined error lists this many, then "... and N more"

CHANNEL_ID_RE = re.compile(r"UC[A-Za-z0-9_-]{22}")
VIDEO_ID_RE = re.compile(r"[A-Za-z0-9_-]{11}")
USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
HANDLE_MIN, HANDLE_MAX = 3, 30
CUSTOM_MAX = 100

FORMS_HINT = (
    "Use a channel URL (youtube.com/@handle, /channel/UC…, /user/…, /c/…), "
    "an @handle, a UC… id, or a video URL."
)

# YouTube's hosts by site, each also with www., m., music. prefixes (in that order; see _site).
_YOUTUBE, _SHORT, _NOCOOKIE = "youtube.com", "youtu.be", "youtube-nocookie.com"
_SITES = frozenset({_YOUTUBE, _SHORT, _NOCOOKIE})
_HOST_PREFIXES = ("www.", "m.", "music.")
_VIDEO_PATHS = frozenset({"shorts", "live", "embed", "v", "e"})  # youtube.com/<path>/ID
_NOCOOKIE_PATHS = ("embed", "v")  # the only youtube-nocookie.com pages accepted as channel inputs

# First path segments that are YouTube pages, never a legacy custom channel name.
_RESERVED = frozenset(
    """
    watch shorts live playlist feed feeds results channel user c embed e v hashtag post gaming premium
    account account_notifications account_privacy account_advanced about ads creators t howyoutubeworks
    kids music movies trending upload redirect signin logout login attribution_link oembed source
    supported_browsers s yt api iframe_api new youtubei paid_memberships reporthistory channel_switcher
    select_site pagead storefront tv playables podcasts courses index home subscription_manager verify
    error browse clip create_channel premium_family red music_premium jobs press policies privacy terms
    copyright community_guidelines help undefined null favicon.ico robots.txt sitemap.xml
    """.split()
)
# TLDs that make a bare word with a dot read as a host ("vimeo.com") rather than a handle ("john.doe").
_TLDS = frozenset(
    """
    com net org edu gov io co be tv me app dev ai ly gl gg fm to uk us ca au de fr es it nl ru jp cn in br
    info biz xyz site online live video ch at pl se no dk fi ie nz kr tw hk sg
    """.split()
)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_WRAPPERS = {"<": ">", '"': '"', "'": "'", "“": "”", "‘": "’", "(": ")", "[": "]", "«": "»"}
_SEPARATORS_RE = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029,;]+")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_URL_START_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_PORT_RE = re.compile(r"\d+(?:[/?#]|$)")


@dataclass(frozen=True)
class Problem:
    """One bad channel input: what was typed and why it was refused."""

    raw: str
    reason: str


class ChannelInputError(InputError):
    """An ``InputError`` that also lists each bad input (``problems``), e.g. to highlight lines in a UI."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = tuple(problems)


class _Bad(Exception):
    """Internal: one token was refused; ``reason`` names it (without the accepted-forms hint)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _show(text: str, limit: int = 60) -> str:
    """A short, repr-safe rendering of user text for messages."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    shown = repr(text)  # a character repr() spells out (\\U000105bd) counts for its spelling
    return shown if len(shown) <= limit + 12 else shown[: limit + 10] + "…'"


# ----------------------------------------------------------------------------------------------- public


def parse(text: str | Iterable[str]) -> list[ChannelRef]:
    """Parse one or more channel inputs; duplicates collapsed, order kept. One ``InputError`` for all bad ones."""
    refs, problems, n_tokens = _parse_all(text)
    if problems:
        raise ChannelInputError(_combined_message(problems, n_tokens), problems)
    if len(refs) > MAX_INPUTS:
        raise ChannelInputError(_too_many(len(refs)))
    return refs


def parse_each(text: str | Iterable[str]) -> tuple[list[ChannelRef], list[Problem]]:
    """Like ``parse``, but a bad input is returned as a ``Problem`` beside the good ones (a face fetches those
    and reports the bad ones after them). Still one ``InputError`` for what is wrong with the whole text: no
    input at all, too long, too many; and when no input is good (nothing to fetch)."""
    refs, problems, n_tokens = _parse_all(text)
    if problems and not refs:
        raise ChannelInputError(_combined_message(problems, n_tokens), problems)
    if len(refs) > MAX_INPUTS:
        raise ChannelInputError(_too_many(len(refs)))
    return refs, problems


def not_parsed(problems: Sequence[Problem]) -> str:
    """What a face says, after the rows, about the inputs ``parse_each`` set aside ("" when there is none)."""
    if not problems:
        return ""
    if len(problems) == 1:
        return f"Not fetched: {problems[0].reason} {FORMS_HINT}"
    reasons = "; ".join(p.reason for p in problems[:MAX_LISTED_PROBLEMS])
    more = f"; … and {len(problems) - MAX_LISTED_PROBLEMS} more" if len(problems) > MAX_LISTED_PROBLEMS else ""
    return f"Not fetched, {len(problems)} channel inputs that are not valid: {reasons}{more}. {FORMS_HINT}"


def _parse_all(text: str | Iterable[str]) -> tuple[list[ChannelRef], list[Problem], int]:
    """(good refs, bad inputs, number of tokens); the whole text's own problems raised (too many good refs:
    the caller's check, after it said the bad ones)."""
    if text is None:
        raise ChannelInputError(f"Enter at least one channel. {FORMS_HINT}")
    if isinstance(text, str):
        chunks: Iterable[object] = (text,)
    elif isinstance(text, (bytes, bytearray)) or not isinstance(text, Iterable):
        raise ChannelInputError(f"Channel inputs must be text, not {type(text).__name__}. {FORMS_HINT}")
    else:
        chunks = text

    tokens: list[str] = []
    total = 0
    for chunk in chunks:
        if not isinstance(chunk, str):
            raise ChannelInputError(f"Channel inputs must be text, not {type(chunk).__name__}. {FORMS_HINT}")
        total += len(chunk) + 1
        if total > MAX_TEXT_CHARS:
            raise ChannelInputError(
                f"Input too long (more than {MAX_TEXT_CHARS:,} characters); enter at most {MAX_INPUTS} "
                "channels at a time."
            )
        tokens.extend(_split(chunk))
        if len(tokens) > MAX_INPUTS * 5:
            raise ChannelInputError(_too_many(len(tokens)))
    if not tokens:
        raise ChannelInputError(f"Enter at least one channel. {FORMS_HINT}")

    refs: list[ChannelRef] = []
    seen: set[tuple[str, str]] = set()
    problems: list[Problem] = []
    for token in tokens:
        try:
            ref = _parse_token(token)
        except _Bad as bad:
            problems.append(Problem(token, bad.reason))
            continue
        key = dedupe_key(ref)
        if key not in seen:
            seen.add(key)
            refs.append(ref)
    return refs, problems, len(tokens)


def parse_one(text: str) -> ChannelRef:
    """Parse exactly one channel input."""
    if not isinstance(text, str):
        raise ChannelInputError(f"A channel input must be text, not {type(text).__name__}. {FORMS_HINT}")
    token = _clean(text)
    if len(token) <= MAX_INPUT_CHARS:
        tokens = _split(token)
        if not tokens:
            raise ChannelInputError(f"Enter a channel. {FORMS_HINT}")
        if len(tokens) > 1:
            raise ChannelInputError(
                f"Enter one channel here, not several: {_show(token)}.", [Problem(token, "several channels")]
            )
    try:
        return _parse_token(token)
    except _Bad as bad:
        raise ChannelInputError(f"{bad.reason} {FORMS_HINT}", [Problem(token, bad.reason)]) from None


def dedupe_key(ref: ChannelRef) -> tuple[str, str]:
    """Two refs with the same key name the same thing: handles/usernames/custom names ignore case, ids don't."""
    if ref.kind in ("handle", "username", "custom"):
        return ref.kind, ref.value.casefold()
    return ref.kind, ref.value


def video_id_from_url(text: str) -> str | None:
    """The 11-character video id a YouTube video link points to, else None (never raises).

    Forms: youtu.be/ID; youtube.com/watch?v=ID (also /watch/ID and /?v=ID), /shorts/ID, /live/ID,
    /embed/ID, /v/ID, /e/ID, the same on youtube-nocookie.com. Hosts may carry www., m., music.
    prefixes (studio.youtube.com too); any scheme, or none; other query parameters and a fragment
    are ignored. Path names ignore case, the id does not.
    """
    if not text:
        return None
    s = str(text).strip()
    if s.startswith("//"):
        s = "https:" + s
    elif not _URL_START_RE.match(s):
        s = "https://" + s
    try:
        parts = urlsplit(s)
        site = _site(parts.hostname or "")
        query = parse_qsl(parts.query, keep_blank_values=True)
    except (ValueError, UnicodeError):
        return None
    if site is None:
        return None
    vid = _video_candidate(site, [unquote(p) for p in parts.path.split("/") if p], query)
    return vid if vid is not None and VIDEO_ID_RE.fullmatch(vid) else None


def _site(host: str) -> str | None:
    """The YouTube site ``host`` belongs to (``_YOUTUBE``, ``_SHORT`` or ``_NOCOOKIE``), else None."""
    host = host.lower().rstrip(".")
    if host == "studio.youtube.com":
        return _YOUTUBE
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix):]
    return host if host in _SITES else None


def _video_candidate(site: str, segments: Sequence[str], query: Sequence[tuple[str, str]]) -> str | None:
    """What stands where a video link has its id (not checked yet), or None: not a video link.

    ``segments``: the path's non-empty, percent-decoded segments; ``query``: its (name, value) pairs.
    """
    if site == _SHORT:
        return segments[0] if segments else None
    first = segments[0].lower() if segments else ""
    second = segments[1] if len(segments) > 1 else ""
    vs = [value for name, value in query if name == "v"]
    v = next((x for x in vs if x), "") if vs else None  # the first non-blank v=, "" when all are blank
    if first == "watch":
        return v if v is not None else (second or None)
    if first in _VIDEO_PATHS and second:
        return second
    if not first:
        return v
    return None


# ----------------------------------------------------------------------------------------------- splitting


def _split(text: str) -> list[str]:
    """Text -> tokens: newlines, commas and semicolons always separate; whitespace separates URLs/@handles."""
    tokens: list[str] = []
    for piece in _SEPARATORS_RE.split(text):
        piece = _clean(piece)
        if not piece:
            continue
        parts = piece.split()
        if len(parts) > 1 and all(_self_delimiting(_clean(p)) for p in parts):
            tokens.extend(c for c in (_clean(p) for p in parts) if c)
        else:
            tokens.append(piece)
    return tokens


def _clean(token: str) -> str:
    """Strip whitespace, invisible characters and one pair of wrapping quotes/brackets."""
    token = token.strip().strip(_INVISIBLE).strip()
    if len(token) >= 2 and _WRAPPERS.get(token[0]) == token[-1]:
        token = token[1:-1].strip().strip(_INVISIBLE).strip()
    return token


def _self_delimiting(part: str) -> bool:
    """True for parts that clearly stand alone (so whitespace between them separates inputs)."""
    return part.startswith("@") or bool(CHANNEL_ID_RE.fullmatch(part)) or _looks_like_url(part)


def _looks_like_url(token: str) -> bool:
    """True when ``token`` reads as a link (with or without scheme), so it is parsed as a URL."""
    if "://" in token or token.startswith("//"):
        return True
    m = _SCHEME_RE.match(token)
    if m and not _PORT_RE.match(token, m.end()):
        return True  # javascript:, mailto:, data: ... (refused later, by name)
    head = re.split(r"[/?#]", token, maxsplit=1)[0]
    if "@" in head:
        return False
    host = head.split(":")[0].lower().rstrip(".")
    if host == "localhost":
        return True
    if "." not in host:
        return False
    if _site(host) is not None or len(head) < len(token):
        return True
    return host.rsplit(".", 1)[-1] in _TLDS


# ----------------------------------------------------------------------------------------------- one token


def _parse_token(token: str) -> ChannelRef:
    token = _clean(token)
    if not token:
        raise _Bad("Enter at least one channel.")
    if len(token) > MAX_INPUT_CHARS:
        raise _Bad(f"Input too long: {_show(token)} ({len(token):,} characters; at most {MAX_INPUT_CHARS}).")
    for ch in token:
        cat = unicodedata.category(ch)
        if ch.isspace():
            raise _Bad(f"{_show(token)} contains a space (searching by channel name isn't supported).")
        if cat == "Cc":
            raise _Bad(f"{_show(token)} contains a control character ({ch!r}).")
        if cat == "Cf":
            raise _Bad(f"{_show(token)} contains an invisible character (U+{ord(ch):04X}); retype it.")
    if _looks_like_url(token):
        return _parse_url(token)
    if token.startswith("@"):
        return ChannelRef("handle", _check_handle(unquote(token[1:]), token), token)
    if CHANNEL_ID_RE.fullmatch(token):
        return ChannelRef("id", token, token)
    if _looks_like_channel_id(token):
        raise _Bad(_bad_id(token, bare=True))
    handle = unicodedata.normalize("NFC", token)
    if _handle_problem(handle) is None:
        return ChannelRef("handle", handle, token)
    raise _Bad(f"Not a YouTube channel: {_show(token)}.")


def _looks_like_channel_id(token: str) -> bool:
    """'UC' plus roughly 22 id characters, but not exactly: a mistyped/truncated id, not a handle."""
    if not token.startswith("UC") or not 18 <= len(token) <= 34:
        return False
    rest = token[2:]
    return len(token) != 24 or not re.fullmatch(r"[A-Za-z0-9_-]{22}", rest)


def _bad_id(text: str, *, raw: str | None = None, bare: bool = False) -> str:
    where = f" in {_show(raw)}" if raw is not None and raw != text else ""
    msg = (
        f"Not a valid channel id: {_show(text, 40)}{where}; channel ids are 24 characters starting with UC "
        "(letters, digits, _ and -)."
    )
    return msg + (" If this is a handle, write it with @." if bare else "")


def _bad_video(raw: str, vid: str) -> str:
    what = f"video id {_show(vid)}" if vid else "no video id"
    return (
        f"Not a valid video link: {_show(raw)} ({what}); video ids are 11 characters "
        "(letters, digits, _ and -)."
    )


def _handle_problem(handle: str) -> str | None:
    """None when ``handle`` (without @) is a well-formed handle, else what's wrong with it."""
    if not HANDLE_MIN <= len(handle) <= HANDLE_MAX:
        n = len(handle)
        return f"{'too short' if n < HANDLE_MIN else 'too long'}: {n} character{'' if n == 1 else 's'}"
    has_core = False
    for ch in handle:
        if ch in "_-.·":
            continue
        cat = unicodedata.category(ch)
        if cat[0] == "L" or cat == "Nd":
            has_core = True
        elif cat[0] != "M":
            return f"{ch!r} is not allowed"
    return None if has_core else "no letters or digits"


def _check_handle(handle: str, raw: str) -> str:
    handle = unicodedata.normalize("NFC", handle)
    problem = _handle_problem(handle)
    if problem is not None:
        raise _Bad(
            f"Not a valid handle: {_show(raw)} ({problem}); handles are {HANDLE_MIN}–{HANDLE_MAX} "
            "characters: letters, digits, '_', '-' or '.'."
        )
    return handle


def _check_name(name: str, raw: str, kind: str) -> str:
    """A legacy /user/ or /c/ name."""
    name = unicodedata.normalize("NFC", name)
    ok = 1 <= len(name) <= CUSTOM_MAX and all(
        ch in "_-." or unicodedata.category(ch)[0] == "L" or unicodedata.category(ch) == "Nd" for ch in name
    )
    if kind == "username":
        ok = ok and bool(USERNAME_RE.fullmatch(name))
    if not ok:
        raise _Bad(f"Not a valid channel name in {_show(raw)}: {_show(name, 40)}.")
    return name


# ----------------------------------------------------------------------------------------------- URLs


def _parse_url(raw: str) -> ChannelRef:
    m = _SCHEME_RE.match(raw)
    if raw.startswith("//"):
        url = "https:" + raw
    elif m and not _PORT_RE.match(raw, m.end()):
        scheme = m.group(1).lower()
        if scheme not in ("http", "https"):
            raise _Bad(
                f"Not a YouTube channel: {_show(raw)} ({_show(scheme, 20)[1:-1]}: links are not accepted, only https://)."
            )
        if not raw[m.end() :].startswith("//"):
            raise _Bad(f"Not a YouTube channel: {_show(raw)} (not a complete link).")
        url = raw
    else:
        url = "https://" + raw
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        host = (parts.hostname or "").rstrip(".")
        query = parse_qsl(parts.query, keep_blank_values=True)
    except (ValueError, UnicodeError):
        raise _Bad(f"Not a YouTube channel: {_show(raw)} (not a valid link).") from None
    if not host:
        raise _Bad(f"Not a YouTube channel: {_show(raw)} (no host).")
    if "@" in netloc:
        raise _Bad(
            f"Not a YouTube channel: {_show(raw)} (links with a user name before the host are refused)."
        )
    site = _site(host)
    if site is None:
        raise _Bad(
            f"Not a YouTube channel: {_show(raw)} (host {_show(host, 40)[1:-1]}; only youtube.com and "
            "youtu.be links are accepted)."
        )
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if site == _NOCOOKIE and not (len(segments) >= 2 and segments[0].lower() in _NOCOOKIE_PATHS):
        raise _Bad(f"Not a valid video link: {_show(raw)} (expected youtube-nocookie.com/embed/ID).")
    vid = _video_candidate(site, segments, query)
    if vid is not None:
        if vid == "videoseries" and segments[0].lower() == "embed":
            raise _playlist(raw)
        return _video(vid, raw)
    if site == _SHORT:
        raise _Bad(f"Not a valid video link: {_show(raw)} (youtu.be needs a video id).")
    params: dict[str, str] = {}
    for k, v in query:
        params.setdefault(k, v)
    return _route_youtube(raw, segments, params)


def _video(vid: str, raw: str) -> ChannelRef:
    if not VIDEO_ID_RE.fullmatch(vid):
        raise _Bad(_bad_video(raw, vid))
    return ChannelRef("video", vid, raw)


def _route_youtube(raw: str, segments: list[str], params: dict[str, str]) -> ChannelRef:
    """A youtube.com link that is not a video link (``_video_candidate`` found none): a channel, or why not."""
    first = segments[0] if segments else ""
    low = first.lower()
    second = segments[1] if len(segments) > 1 else ""

    if first.startswith("@"):
        return ChannelRef("handle", _check_handle(first[1:], raw), raw)
    if low == "channel":
        if CHANNEL_ID_RE.fullmatch(second):
            return ChannelRef("id", second, raw)
        if not second:
            raise _Bad(f"Not a channel: {_show(raw)} (no channel id after /channel/).")
        raise _Bad(_bad_id(second, raw=raw))
    if low == "browse" and CHANNEL_ID_RE.fullmatch(second):
        return ChannelRef("id", second, raw)
    if low == "user" and second:
        return ChannelRef("username", _check_name(second, raw, "username"), raw)
    if low == "c" and second:
        return ChannelRef("custom", _check_name(second, raw, "custom"), raw)
    if low == "watch":  # neither v= nor an id after it
        if "list" in params:
            raise _playlist(raw)
        raise _Bad(_bad_video(raw, ""))
    if low == "playlist" or (not first and "list" in params):
        raise _playlist(raw)
    if low == "feeds" and params.get("channel_id"):
        cid = params["channel_id"]
        if CHANNEL_ID_RE.fullmatch(cid):
            return ChannelRef("id", cid, raw)
        raise _Bad(_bad_id(cid, raw=raw))
    if low == "feeds" and params.get("user"):
        return ChannelRef("username", _check_name(params["user"], raw, "username"), raw)
    if not first:
        raise _Bad(f"Not a channel: {_show(raw)} (YouTube's home page).")
    if low in _RESERVED:
        raise _Bad(f"Not a channel: {_show(raw)} (a YouTube /{_show(first, 20)[1:-1]} page).")
    if "." in first:
        raise _Bad(f"Not a channel: {_show(raw)}.")
    return ChannelRef("custom", _check_name(first, raw, "custom"), raw)


def _playlist(raw: str) -> _Bad:
    return _Bad(f"{_show(raw)} is a playlist, and playlists are not channels.")


# ----------------------------------------------------------------------------------------------- messages


def _too_many(n: int) -> str:
    return f"Too many channels: {n:,} (at most {MAX_INPUTS} at a time); split them into smaller batches."


def _combined_message(problems: list[Problem], n_tokens: int) -> str:
    if len(problems) == 1:
        return f"{problems[0].reason} {FORMS_HINT}"
    lines = [f"{len(problems)} of {n_tokens} channel inputs are not valid:"]
    lines += [f"  - {p.reason}" for p in problems[:MAX_LISTED_PROBLEMS]]
    if len(problems) > MAX_LISTED_PROBLEMS:
        lines.append(f"  … and {len(problems) - MAX_LISTED_PROBLEMS} more.")
    lines.append(FORMS_HINT)
    return "\n".join(lines)


def as_refs(inputs: str | Sequence[str] | Sequence[ChannelRef]) -> list[ChannelRef]:
    """Channel inputs as the faces hand them over (text, strings, or refs already parsed) -> refs, deduplicated."""
    if isinstance(inputs, str):
        return parse(inputs)
    items = list(inputs)
    if items and all(isinstance(x, ChannelRef) for x in items):
        return list(dict.fromkeys(items))
    return parse([str(x) for x in items])


__all__ = [
    "as_refs",
    "parse",
    "parse_each",
    "not_parsed",
    "parse_one",
    "dedupe_key",
    "video_id_from_url",
    "Problem",
    "ChannelInputError",
    "MAX_INPUT_CHARS",
    "MAX_INPUTS",
    "CHANNEL_ID_RE",
    "VIDEO_ID_RE",
    "FORMS_HINT",
]
