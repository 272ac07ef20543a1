"""Which videos to keep: ``FilterSpec`` (a frozen value) and its application.

Rules, all inclusive:
- dates compare the UTC calendar date of ``Video.published_at`` with ``since``/``until``;
- durations are seconds; a video whose duration is unknown (None) fails any duration bound;
- keywords are case-insensitive whole words or phrases ("ai" matches "AI news", not "said"); end one with
  ``*`` to match a prefix ("tutorial*" matches "tutorials"). Words in scripts without spaces (Japanese,
  Chinese, Thai...) match anywhere. They look at the title only, or also at the tags with ``match_tags``;
- ``include``: at least one keyword must match; ``exclude``: none may;
- ``max_videos`` keeps the newest N per channel after every other filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from typing import Any

import isodate

from .errors import InputError
from .models import Video, VideoType, format_duration
from .words import plural

MAX_DURATION_SECONDS = 100 * 24 * 3600  # anything longer is a typo
MAX_KEYWORDS = 100
MAX_KEYWORD_CHARS = 200

_TYPE_LABELS = {
    VideoType.SHORT: "Shorts",
    VideoType.LONG: "Long",
    VideoType.LIVE: "Live",
    VideoType.UPCOMING: "Upcoming",
}
_ASCII_WORD = "0-9a-z"


def _quote(value: object, limit: int = 40) -> str:
    """User text quoted for a message: at most ``limit`` characters, and its repr at most ~``limit`` + 10
    (a character repr() spells out, like ``\\U000105bd``, counts for its spelling)."""
    text = str(value)
    shown = repr(text if len(text) <= limit else text[: limit - 1] + "…")
    return shown if len(shown) <= limit + 12 else shown[: limit + 10] + "…'"


quote_text = _quote  # the one shortened quote of a user's text in a message, for every module (config, columns)


def _utc(moment: datetime) -> datetime:
    """Aware UTC datetime (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Case-folded whole-word pattern; word edges are only enforced next to ASCII letters/digits."""
    prefix = keyword.endswith("*")
    word = keyword.rstrip("*").casefold()
    left = rf"(?<![{_ASCII_WORD}])" if re.match(rf"[{_ASCII_WORD}]", word) else ""
    right = rf"(?![{_ASCII_WORD}])" if not prefix and re.search(rf"[{_ASCII_WORD}]$", word) else ""
    body = r"\s+".join(re.escape(part) for part in word.split())
    return re.compile(left + body + right)


def _normalize_keywords(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise InputError(f"{name} must be a list of words, not {type(value).__name__}.")
    out: list[str] = []
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            raise InputError(f"{name} keywords must be text, not {type(item).__name__}.")
        word = " ".join(item.split())
        if not word.rstrip("*").strip():
            continue
        if len(word) > MAX_KEYWORD_CHARS:
            raise InputError(
                f"{name} keyword too long ({len(word)} characters; at most {MAX_KEYWORD_CHARS})."
            )
        if word.casefold() not in seen:
            seen.add(word.casefold())
            out.append(word)
    if len(out) > MAX_KEYWORDS:
        raise InputError(f"Too many {name} keywords: {len(out)} (at most {MAX_KEYWORDS}).")
    return tuple(out)


def _normalize_date(value: object, name: str) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime):
        return _utc(value).date()
    raise InputError(f"{name} must be a date (YYYY-MM-DD), not {type(value).__name__}.")


def _normalize_types(value: object) -> frozenset[VideoType] | None:
    if value is None:
        return None
    if isinstance(value, (str, VideoType)):
        value = (value,)
    if not isinstance(value, Iterable):
        raise InputError(f"Video types must be a list, not {type(value).__name__}.")
    out: set[VideoType] = set()
    for item in value:
        if isinstance(item, VideoType):
            out.add(item)
            continue
        try:
            out.add(VideoType.parse(str(item)))
        except ValueError:
            raise InputError(
                f"Unknown video type {_quote(item)}; use short, long, live or upcoming."
            ) from None
    if not out:
        raise InputError(
            "Pick at least one video type (short, long, live, upcoming), or leave types unset for all."
        )
    return frozenset(out)


def _check_count(value: object, name: str, *, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be a whole number, not {type(value).__name__}.")
    if value < minimum:
        raise InputError(f"{name} must be at least {minimum} (got {value}); leave it empty for no limit.")
    return value


# ---------------------------------------------------------------------------------------------- parsers

_UNIT_RE = re.compile(
    r"\s*(\d{1,9})\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])\s*",
    re.IGNORECASE,
)
_ISO_RE = re.compile(r"P(?:\d{1,9}(?:[.,]\d+)?[YMWD])*(?:T(?:\d{1,9}(?:[.,]\d+)?[HMS])+)?")
_DURATION_HELP = "use seconds (90), m:ss (1:30), h:mm:ss (1:02:03), units (2m, 1h30m, 45s) or ISO 8601 (PT2M)"


def parse_user_duration(text: str | int) -> int:
    """'90', '1:30', '1:02:03', '2m', '1h30m', '45s', 'PT2M' -> seconds. ``InputError`` on anything else."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text
    elif isinstance(text, str):
        seconds = _duration_seconds(text.strip())
    else:
        raise InputError(f"A duration must be text or a number of seconds, not {type(text).__name__}.")
    if seconds < 0:
        raise InputError(f"A duration can't be negative (got {_quote(text)}).")
    if seconds > MAX_DURATION_SECONDS:
        raise InputError(
            f"Duration {_quote(text)} is too long (more than {MAX_DURATION_SECONDS // 86400} days)."
        )
    return seconds


def _duration_seconds(s: str) -> int:
    shown = _quote(s)
    if not s:
        raise InputError(f"Empty duration; {_DURATION_HELP}.")
    if s.startswith("-"):
        raise InputError(f"A duration can't be negative (got {shown}).")
    if re.fullmatch(r"\d{1,9}", s):
        return int(s)
    if re.fullmatch(r"\d{1,9}(:\d{1,2}){1,2}", s):
        nums = [int(p) for p in s.split(":")]
        if any(n >= 60 for n in nums[1:]):
            raise InputError(f"Duration {shown} has minutes or seconds of 60 or more; {_DURATION_HELP}.")
        total = 0
        for n in nums:
            total = total * 60 + n
        return total
    if s[:1] in "pP" and _ISO_RE.fullmatch(s.upper()) and re.search(r"\d", s):
        try:
            value = isodate.parse_duration(s.upper())
        except (ValueError, ArithmeticError):
            raise InputError(f"Not a duration: {shown}; {_DURATION_HELP}.") from None
        if isinstance(value, isodate.Duration):
            raise InputError(f"Duration {shown} uses months or years; use days, hours, minutes or seconds.")
        return round(value.total_seconds())
    pos, total, used = 0, 0, set()
    for m in _UNIT_RE.finditer(s):
        if m.start() != pos:
            break
        unit = m.group(2)[0].lower()
        if unit in used or (used and "hms".index(unit) < max("hms".index(u) for u in used)):
            raise InputError(f"Duration {shown} repeats or misorders units; write e.g. 1h30m.")
        used.add(unit)
        total += int(m.group(1)) * {"h": 3600, "m": 60, "s": 1}[unit]
        pos = m.end()
    if used and pos == len(s):
        return total
    raise InputError(f"Not a duration: {shown}; {_DURATION_HELP}.")


def _parse_optional_duration(value: object, name: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_user_duration(value)  # type: ignore[arg-type]
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def _parse_max_videos(value: object, name: str = "Max videos") -> int | None:
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return _check_count(value, "Max videos", minimum=1)
    if isinstance(value, str):
        s = value.strip()
        if not s or s.lower() in ("all", "none", "unlimited"):
            return None
        if re.fullmatch(r"\d{1,9}", s):
            return _check_count(int(s), "Max videos", minimum=1)
        raise InputError(f"Max videos must be a whole number like 10 (got {_quote(s)}).")
    raise InputError(f"Max videos must be a whole number, not {type(value).__name__}.")


def parse_keywords(text: str) -> tuple[str, ...]:
    """'foo, "bar, baz", qux quux' -> ('foo', 'bar, baz', 'qux quux'); commas/newlines/semicolons separate."""
    words: list[str] = []
    current: list[str] = []
    quote: str | None = None
    closing = {'"': '"', "“": "”", "„": "“", "”": "”"}
    for ch in text:
        if quote is not None:
            if ch == quote:
                quote = None
            else:
                current.append(ch)
        elif ch in closing and not "".join(current).strip():
            quote = closing[ch]
            current = []
        elif ch in ",;\n\r":
            words.append("".join(current))
            current = []
        else:
            current.append(ch)
    if quote is not None:
        raise InputError(f"Unclosed quote in keywords {_quote(text, 60)}; close the phrase with {quote}.")
    words.append("".join(current))
    return tuple(w for w in (" ".join(w.split()) for w in words) if w)


def _parse_keyword_field(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        try:
            return parse_keywords(value)
        except InputError as exc:
            raise InputError(f"{name}: {exc}") from None
    return _normalize_keywords(value, name)


def _parse_date(value: object, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return _normalize_date(value, name)
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            try:
                return date.fromisoformat(s)
            except ValueError:
                raise InputError(f"{name} date {_quote(s)} does not exist; use a real YYYY-MM-DD date.") from None
        raise InputError(f"{name} date must look like 2025-01-31 (YYYY-MM-DD), not {_quote(s)}.")
    raise InputError(f"{name} must be a date (YYYY-MM-DD), not {type(value).__name__}.")


def _parse_types(value: object, name: str = "Video types") -> frozenset[VideoType] | None:
    if value is None:
        return None
    if isinstance(value, str):
        items = [p for p in re.split(r"[\s,;+|/]+", value) if p]
        if not items or any(p.lower() == "all" for p in items):
            return None
        return _normalize_types(items)
    return _normalize_types(value)


def _parse_bool(value: object, name: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, str):
        s = value.strip().lower()
        if s in ("", "0", "false", "no", "off", "n"):
            return False
        if s in ("1", "true", "yes", "on", "y"):
            return True
    raise InputError(f"{name} must be yes or no, not {_quote(value, 20)}.")


def format_keywords(words: Iterable[str]) -> str:
    """Keywords back to the text ``parse_keywords`` reads; phrases with a comma are quoted."""
    return ", ".join(f'"{w}"' if any(c in w for c in ",;\n") else w for w in words)



# ------------------------------------------------------------------------------------------ field rules


@dataclass(frozen=True)
class _Rule:
    """How one FilterSpec field is named, read from text, and widened (see ``FilterSpec.widened_by``).

    widen: "cap" (None = no cap; a larger cap widens), "lower"/"upper" (a bound: None or a looser bound
    widens), "subset" (None = all; more members widen), "any_of" (include: none, or more words, widen),
    "none_of" (exclude: fewer words widen), None (no effect of its own).
    """

    label: str
    parse: Callable[[Any, str], Any]
    widen: str | None
    wider: str  # what a wider value lets through, e.g. "shorter videos"
    help: str  # one line for --help and the REST API's schema
    metavar: str  # the value's form ("" for a yes/no switch)


def _rule(default: Any, label: str, parse: Callable[[Any, str], Any], widen: str | None, wider: str, *,
          help: str, metavar: str) -> Any:
    return field(default=default, metadata={"rule": _Rule(label, parse, widen, wider, help, metavar)})


def _canonical(value: Any) -> str:
    if isinstance(value, (frozenset, set)):
        return ",".join(sorted(str(v) for v in value))
    if isinstance(value, tuple):
        return "\x1f".join(map(str, value))
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _widens(kind: str, old: Any, new: Any, old_tags: bool, new_tags: bool) -> bool:
    if kind == "cap":
        return old is not None and (new is None or new > old)
    if kind == "lower":
        return old is not None and (new is None or new < old)
    if kind == "upper":
        return old is not None and (new is None or new > old)
    if kind == "subset":
        return old is not None and (new is None or bool(new - old))
    if kind == "any_of":
        return bool(old) and (not new or bool(set(new) - set(old)) or (new_tags and not old_tags))
    if kind == "none_of":
        return bool(set(old) - set(new)) or (bool(old) and old_tags and not new_tags)
    raise ValueError(f"unknown widen kind {kind!r}")


@dataclass(frozen=True)
class FilterSpec:
    """What to keep. Every field unset (the default) keeps everything.

    max_videos: per channel, newest first · min/max_duration: seconds, inclusive · include: at least one
    must match (case-insensitive words/phrases) · exclude: none may match · since/until: published on/after,
    on/before this UTC date · types: None = all · match_tags: keywords also match tags (default: title only).

    Each field's metadata (``_rule``) carries its label, its text parser and how it widens: ``names()``,
    ``from_strings``, ``key`` and ``widened_by`` are generated from ``dataclasses.fields``, so a new filter
    is declared once, here.
    """

    max_videos: int | None = _rule(
        None, "Max videos", _parse_max_videos, "cap", "more videos per channel",
        help="at most N newest videos per channel (after the other filters)", metavar="N")
    min_duration: int | None = _rule(
        None, "Minimum duration", _parse_optional_duration, "lower", "shorter videos",
        help="minimum duration: seconds, M:SS, 2m, PT2M", metavar="S")
    max_duration: int | None = _rule(
        None, "Maximum duration", _parse_optional_duration, "upper", "longer videos",
        help="maximum duration: seconds, M:SS, 2m, PT2M", metavar="S")
    include: tuple[str, ...] = _rule(
        (), "Include", _parse_keyword_field, "any_of", "other keywords",
        help='comma-separated words or "quoted phrases"; a title must contain one', metavar="WORDS")
    exclude: tuple[str, ...] = _rule(
        (), "Exclude", _parse_keyword_field, "none_of", "videos with keywords the fetch excluded",
        help="comma-separated words or phrases; a title must contain none", metavar="WORDS")
    since: date | None = _rule(
        None, "Since", _parse_date, "lower", "earlier uploads", help="published on or after", metavar="YYYY-MM-DD")
    until: date | None = _rule(
        None, "Until", _parse_date, "upper", "later uploads", help="published on or before", metavar="YYYY-MM-DD")
    types: frozenset[VideoType] | None = _rule(
        None, "Video types", _parse_types, "subset", "more video types",
        help="keep only these types", metavar="short,long,live,upcoming")
    match_tags: bool = _rule(  # widens through include/exclude
        False, "Match tags", _parse_bool, None, "", help="include/exclude also look at tags", metavar="")
    _include_re: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)
    _exclude_re: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "max_videos", _check_count(self.max_videos, "Max videos", minimum=1))
        put(self, "min_duration", _check_count(self.min_duration, "Minimum duration", minimum=0))
        put(self, "max_duration", _check_count(self.max_duration, "Maximum duration", minimum=0))
        put(self, "include", _normalize_keywords(self.include, "Include"))
        put(self, "exclude", _normalize_keywords(self.exclude, "Exclude"))
        put(self, "since", _normalize_date(self.since, "Since"))
        put(self, "until", _normalize_date(self.until, "Until"))
        put(self, "types", _normalize_types(self.types))
        put(self, "match_tags", bool(self.match_tags))
        lo, hi = self.min_duration, self.max_duration
        if lo is not None and hi is not None and lo > hi:
            raise InputError(
                f"Minimum duration {format_duration(lo)} is longer than maximum duration "
                f"{format_duration(hi)}; swap them or widen the range."
            )
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InputError(
                f"'Since' date {self.since.isoformat()} is after 'until' date {self.until.isoformat()}; "
                "swap them."
            )
        put(self, "_include_re", tuple(_keyword_pattern(k) for k in self.include))
        put(self, "_exclude_re", tuple(_keyword_pattern(k) for k in self.exclude))

    # ------------------------------------------------------------------------------------------ predicates

    def matches_published(self, published: datetime) -> bool:
        """The since/until part of ``matches``: the UTC calendar date of ``published`` within the bounds."""
        day = _utc(published).date()
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def matches(self, video: Video) -> bool:
        """Every predicate except ``max_videos`` (which needs the whole list: see ``apply``)."""
        if not self.matches_published(video.published_at):
            return False
        if self.types is not None and video.type not in self.types:
            return False
        if self.min_duration is not None or self.max_duration is not None:
            d = video.duration_seconds
            if d is None:
                return False
            if self.min_duration is not None and d < self.min_duration:
                return False
            if self.max_duration is not None and d > self.max_duration:
                return False
        if self._include_re or self._exclude_re:
            texts = [video.title.casefold()]
            if self.match_tags:
                texts += [t.casefold() for t in video.tags or ()]
            if self._include_re and not any(p.search(t) for p in self._include_re for t in texts):
                return False
            if any(p.search(t) for p in self._exclude_re for t in texts):
                return False
        return True

    def apply(self, videos: Iterable[Video]) -> list[Video]:
        """Filter, then keep the ``max_videos`` newest per channel; newest first, channels in first-seen order."""
        groups: dict[str, list[Video]] = {}
        for video in videos:
            if self.matches(video):
                groups.setdefault(video.channel_id, []).append(video)
        out: list[Video] = []
        for group in groups.values():
            group.sort(key=lambda v: _utc(v.published_at), reverse=True)
            out.extend(group if self.max_videos is None else group[: self.max_videos])
        return out

    def left_out(self, videos: Iterable[Video]) -> list[str]:
        """What this spec hides among ``videos``, in words for a summary: "6 Live/Upcoming hidden by the type
        filter", "12 other videos hidden by the other filters" ([] when it hides none)."""
        videos = list(videos)
        kept = len(self.apply(videos))
        by_type = [v for v in videos if self.types is not None and v.type not in self.types]
        out: list[str] = []
        if by_type:
            kinds = [t for t in VideoType if any(v.type == t for v in by_type)]
            label = "/".join("Short" if t is VideoType.SHORT and len(by_type) == 1 else _TYPE_LABELS[t] for t in kinds)
            out.append(f"{len(by_type):,} {label} hidden by the type filter")
        rest = len(videos) - kept - len(by_type)
        if rest > 0:
            out.append(f"{plural(rest, 'other video' if by_type else 'video')} hidden by the "
                       f"{'other ' if by_type else ''}filters")
        return out

    @property
    def needs_details(self) -> bool:
        """True when a predicate needs videos.list details (types, durations, keywords), not just dates."""
        return bool(
            self.types is not None
            or self.min_duration is not None
            or self.max_duration is not None
            or self.include
            or self.exclude
        )

    @property
    def is_empty(self) -> bool:
        """True when this spec keeps everything."""
        return self == FilterSpec(match_tags=self.match_tags)

    # ------------------------------------------------------------------------------------------ text

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The filter fields, in declaration order (what forms, the CLI, the REST API and cache keys use)."""
        return tuple(f.name for f in fields(cls) if f.init)

    @classmethod
    def rules(cls) -> dict[str, _Rule]:
        """Field name -> its rule (label, parser, help), in declaration order."""
        return {f.name: f.metadata["rule"] for f in fields(cls) if f.init}

    @classmethod
    def from_strings(cls, **values: Any) -> FilterSpec:
        """User/CLI text (or already-typed values) per field -> spec. Blank means unset.

        Every bad field is reported in one ``InputError``; an unknown field name is a TypeError (a bug).
        """
        unknown = set(values) - set(cls.names())
        if unknown:
            raise TypeError(f"unknown filter field(s): {', '.join(sorted(unknown))}")
        errors: list[str] = []
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if not f.init or f.name not in values:
                continue
            rule: _Rule = f.metadata["rule"]
            try:
                parsed = rule.parse(values[f.name], rule.label)
            except InputError as exc:
                errors.append(str(exc))
                continue
            kwargs[f.name] = f.default if parsed is None and f.default is not None else parsed
        if errors:
            raise InputError(" ".join(errors))
        return cls(**kwargs)

    def key(self) -> str:
        """A canonical, process-independent text naming this spec (cache keys): every field, in order."""
        return "|".join(f"{name}={_canonical(getattr(self, name))}" for name in self.names())

    def widened_by(self, new: FilterSpec) -> list[str]:
        """What ``new`` lets through that a fetch made with this spec left out, in plain words.

        The loaded videos already passed ``self``: applying a wider ``new`` to them cannot bring back what
        was never fetched (empty list: ``new`` only narrows). With a cap (max_videos), any other change
        may also reach videos beyond each channel's newest N, which were never fetched.
        """
        out: list[str] = []
        for f in fields(self):
            if not f.init:
                continue
            rule: _Rule = f.metadata["rule"]
            old, now = getattr(self, f.name), getattr(new, f.name)
            if rule.widen is not None and _widens(rule.widen, old, now, self.match_tags, new.match_tags):
                out.append(rule.wider)
        cap = self.max_videos
        if cap is not None and new.max_videos is not None and new.max_videos <= cap:
            if any(getattr(new, n) != getattr(self, n) for n in self.names() if n != "max_videos"):
                out.append(f"other videos among each channel's newest {cap}")
        return list(dict.fromkeys(out))

    def describe(self) -> str:
        """One human line, e.g. '≤ 10 per channel · 1:00–10:00 · Shorts, Long · since 2025-01-01 · include: ai'."""
        parts: list[str] = []
        if self.max_videos is not None:
            parts.append(f"≤ {self.max_videos} per channel")
        lo, hi = self.min_duration, self.max_duration
        if lo is not None and hi is not None:
            parts.append(f"{format_duration(lo)}–{format_duration(hi)}")
        elif lo is not None:
            parts.append(f"≥ {format_duration(lo)}")
        elif hi is not None:
            parts.append(f"≤ {format_duration(hi)}")
        if self.types is not None:
            parts.append(", ".join(_TYPE_LABELS[t] for t in VideoType if t in self.types))
        if self.since is not None and self.until is not None:
            parts.append(f"{self.since.isoformat()} to {self.until.isoformat()}")
        elif self.since is not None:
            parts.append(f"since {self.since.isoformat()}")
        elif self.until is not None:
            parts.append(f"until {self.until.isoformat()}")
        where = " (title or tags)" if self.match_tags else ""
        if self.include:
            parts.append(f"include: {format_keywords(self.include)}{where}")
        if self.exclude:
            parts.append(f"exclude: {format_keywords(self.exclude)}{where}")
        return " · ".join(parts) if parts else "All videos"



__all__ = ["FilterSpec", "parse_user_duration", "parse_keywords", "format_keywords", "quote_text",
           "MAX_DURATION_SECONDS"]
