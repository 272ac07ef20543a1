"""The YouTube Data API v3 emulator, driven through the real google-api-python-client.

Shapes are checked against the recorded responses in ../shared/fixtures/real-youtube (those checks
skip when the folder is absent); behaviour (paging, quota, errors, faults) is checked everywhere.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httplib2
import pytest
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from tests.conftest import SHARED_FIXTURES
from y2s_core.emulators import catalog as catalog_mod
from y2s_core.emulators.catalog import (
    BIG_CHANNEL_ID,
    DEMO_LAB_ID,
    DEMO_NOW,
    EDITING_BASICS_ID,
    EMPTY_CHANNEL_ID,
    HUGE_CHANNEL_ID,
    OLD_SCHOOL_ID,
    SHORTS_CUTOFF,
    demo_catalog,
)
from y2s_core.emulators.transport import HttplibHttp, serve
from y2s_core.emulators.youtube import QUOTA_MESSAGE, Call, YouTubeEmulator

FIXTURES = SHARED_FIXTURES / "real-youtube"  # honours Y2S_SHARED_FIXTURES, like every test module
CHANNEL_ID_RE = re.compile(r"UC[A-Za-z0-9_-]{22}")
VIDEO_ID_RE = re.compile(r"[A-Za-z0-9_-]{11}")
YT_URL = "https://youtube.googleapis.com/youtube/v3"


# -- helpers ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cat():
    return demo_catalog()


@pytest.fixture
def emu(cat):
    return YouTubeEmulator(cat)


def client(app, key: str = "k"):
    return build("youtube", "v3", developerKey=key, http=HttplibHttp(app), static_discovery=True)


@pytest.fixture
def yt(emu):
    return client(emu)


def fixture(name: str) -> Any:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"recorded YouTube responses not available ({path} is absent)")
    return json.loads(path.read_text(encoding="utf-8"))


def reason_of(err: HttpError) -> str:
    return json.loads(err.content)["error"]["errors"][0]["reason"]


def shape_diff(ours: Any, theirs: Any, path: str = "") -> set[str]:
    """Where two JSON values differ in shape: '+a.b' only ours, '-a.b' only theirs, '~a.b' other type.

    Lists are compared by their first element, so an item of a page is compared with an item.
    """
    if isinstance(ours, dict) and isinstance(theirs, dict):
        out = {f"+{path}{k}" for k in ours.keys() - theirs.keys()}
        out |= {f"-{path}{k}" for k in theirs.keys() - ours.keys()}
        for k in ours.keys() & theirs.keys():
            out |= shape_diff(ours[k], theirs[k], f"{path}{k}.")
        return out
    if isinstance(ours, list) and isinstance(theirs, list):
        return shape_diff(ours[0], theirs[0], f"{path}[].") if ours and theirs else set()
    if type(ours) is not type(theirs):
        return {f"~{path.rstrip('.')}"}
    return set()


def get(emu: YouTubeEmulator, path: str) -> tuple[int, dict[str, Any]]:
    status, _headers, body = emu.handle("GET", f"{YT_URL}/{path}", {}, None)
    return status, json.loads(body)


def all_pages(request_factory) -> list[dict[str, Any]]:
    pages, token = [], None
    while True:
        page = request_factory(token).execute()
        pages.append(page)
        token = page.get("nextPageToken")
        if not token:
            return pages


# -- the catalog ----------------------------------------------------------------------------------------------

def test_catalog_sizes_and_ids_are_well_formed(cat):
    assert len(cat.uploads(BIG_CHANNEL_ID)) == 2600
    assert len(cat.uploads(HUGE_CHANNEL_ID)) == 20_000
    assert len(cat.videos(DEMO_LAB_ID)) == 150 and len(cat.uploads(DEMO_LAB_ID)) == 150  # UU leaves out private, deleted
    assert len(cat.all_uploads(DEMO_LAB_ID)) == 153
    assert cat.uploads(EMPTY_CHANNEL_ID) == []
    assert all(CHANNEL_ID_RE.fullmatch(cid) for cid in cat.channels)
    every = [vid for cid in cat.channels for vid in cat.uploads(cid)]
    assert len(every) == len(set(every))
    assert all(VIDEO_ID_RE.fullmatch(vid) for vid in every)
    big_shorts = len(cat.shorts(BIG_CHANNEL_ID))
    assert 0.2 * 2600 < big_shorts < 0.3 * 2600
    assert cat.shorts(HUGE_CHANNEL_ID)
    for cid in cat.channels:  # newest first
        times = [cat.record(v).published for v in cat.uploads(cid)]
        assert times == sorted(times, reverse=True)


def test_catalog_lookups(cat):
    assert cat.channel_by_handle("@y2sdemo").id == DEMO_LAB_ID
    assert cat.channel_by_handle("Y2SDEMO").id == DEMO_LAB_ID
    assert cat.channel_by_username("OldSchoolTuts2009").id == OLD_SCHOOL_ID
    assert cat.channel_by_custom_name("oldschooltutorials").id == OLD_SCHOOL_ID
    assert cat.channel_by_handle("OldSchoolTutorials") is None
    assert cat.video("nope_nope_0") is None
    assert cat.video(cat.special["deleted"]) is None
    assert cat.video(cat.special["tagged"])["id"] == cat.special["tagged"]


def test_catalog_is_the_same_in_another_process_with_another_hash_seed(cat):
    code = ("from y2s_core.emulators.catalog import demo_catalog as d; import hashlib; c = d(); "
            "print(hashlib.sha1(repr([(k, c.uploads(k), c.shorts(k)) for k in c.channels]).encode()).hexdigest(), "
            "hashlib.sha1(repr([c.video(v) for v in c.uploads(c.channel_by_handle('@y2sdemo').id)]).encode())"
            ".hexdigest())")
    import hashlib

    here = (hashlib.sha1(repr([(k, cat.uploads(k), cat.shorts(k)) for k in cat.channels]).encode()).hexdigest()
            + " " + hashlib.sha1(repr([cat.video(v) for v in cat.uploads(DEMO_LAB_ID)]).encode()).hexdigest())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1], env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert out.stdout.strip() == here


def test_demo_lab_covers_the_type_rule_edge_cases(cat):
    sp = cat.special
    shorts = set(cat.shorts(DEMO_LAB_ID))
    long_short = cat.video(sp["long_short"])
    assert sp["long_short"] in shorts
    assert long_short["contentDetails"]["duration"] == "PT3M30S"
    assert long_short["snippet"]["publishedAt"] >= "2024-10-15"
    assert sp["short_58s_not_in_uush"] not in shorts
    assert cat.video(sp["short_58s_not_in_uush"])["contentDetails"]["duration"] == "PT58S"
    assert cat.expected_type(sp["long_short"]) == "Short"
    assert cat.expected_type(sp["short_58s_not_in_uush"]) == "Long"
    assert cat.expected_type(sp["upcoming"]) == "Upcoming"
    assert cat.expected_type(sp["live_now"]) == "Live"
    assert cat.expected_type(sp["live_past"]) == "Live"
    assert cat.expected_type(sp["deleted"]) is None
    titles = {cat.record(v).title for v in cat.uploads(DEMO_LAB_ID)}
    for t in ('=IMPORTXML("http://x","//a")', "+1 trick for faster edits", "-20% off everything",
              "@home studio tour", "日本語のタイトル 🎬"):
        assert t in titles
    assert any(len(t) == 100 for t in titles)
    views = sorted(v.views for v in cat.videos(DEMO_LAB_ID))
    median = views[len(views) // 2]
    assert sum(1 for v in views if v >= 20 * median) >= 3
    years = {cat.record(v).published // (365 * 86400) for v in cat.uploads(DEMO_LAB_ID)}
    assert len(years) >= 3
    weekdays = {(cat.record(v).published // 86400 + 4) % 7 for v in cat.uploads(DEMO_LAB_ID)}
    assert weekdays == set(range(7))


def test_old_school_has_no_shorts_playlist_and_straddles_the_limits(cat):
    assert cat.shorts(OLD_SCHOOL_ID) is None
    cutoff = int(SHORTS_CUTOFF.timestamp())
    vs = cat.videos(OLD_SCHOOL_ID)
    assert 35 <= len(vs) <= 45
    for when in (lambda t: t < cutoff, lambda t: t >= cutoff):
        assert {45, 60, 61, 120, 179, 180, 181, 600} <= {v.duration for v in vs if when(v.published)}
    by_title = {v.title: v.id for v in vs}
    assert cat.expected_type(by_title["Boundary: 180 s on 2024-10-15"]) == "Short"
    assert cat.expected_type(by_title["Boundary: 181 s on 2024-10-15"]) == "Long"
    assert cat.expected_type(by_title["Boundary: 60 s the day before"]) == "Short"
    assert cat.expected_type(by_title["Boundary: 61 s the day before"]) == "Long"


# -- channels.list --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"forHandle": "@y2sdemo"}, DEMO_LAB_ID),
        ({"forHandle": "y2sdemo"}, DEMO_LAB_ID),
        ({"forHandle": "@Y2SDemo"}, DEMO_LAB_ID),
        ({"forUsername": "y2sdemolab"}, DEMO_LAB_ID),
        ({"forUsername": "OldSchoolTuts2009"}, OLD_SCHOOL_ID),
        ({"forHandle": "@bigchannel"}, BIG_CHANNEL_ID),
        ({"id": HUGE_CHANNEL_ID}, HUGE_CHANNEL_ID),
    ],
)
def test_channels_resolve_by_handle_username_and_id(yt, kwargs, expected):
    resp = yt.channels().list(part="snippet,contentDetails", **kwargs).execute()
    [item] = resp["items"]
    assert item["id"] == expected
    assert item["contentDetails"]["relatedPlaylists"]["uploads"] == "UU" + expected[2:]
    assert item["snippet"]["customUrl"].startswith("@")


def test_channel_statistics_are_strings_and_hidden_subscribers_are_absent(yt, cat):
    resp = yt.channels().list(part="statistics", id=f"{DEMO_LAB_ID},{EMPTY_CHANNEL_ID}").execute()
    by_id = {i["id"]: i["statistics"] for i in resp["items"]}
    assert set(by_id) == {DEMO_LAB_ID, EMPTY_CHANNEL_ID}
    lab, empty = by_id[DEMO_LAB_ID], by_id[EMPTY_CHANNEL_ID]
    assert lab["videoCount"] == "150" and lab["subscriberCount"] == "12300" and lab["hiddenSubscriberCount"] is False
    assert int(lab["viewCount"]) == sum(v.views for v in cat.videos(DEMO_LAB_ID))
    assert empty == {"viewCount": "0", "hiddenSubscriberCount": True, "videoCount": "0"}


def test_custom_name_is_not_a_handle(yt):
    resp = yt.channels().list(part="id", forHandle="OldSchoolTutorials").execute()
    assert "items" not in resp


def test_unknown_channel_empty_mode_leaves_items_out(cat):
    emu = YouTubeEmulator(cat, unknown_channel="empty")  # the API's answer before 2026
    yt = client(emu)
    for kwargs in ({"forHandle": "@nobody-here"}, {"forUsername": "nobody"}, {"id": "UC" + "x" * 22}):
        resp = yt.channels().list(part="snippet", **kwargs).execute()
        assert "items" not in resp
        assert resp["kind"] == "youtube#channelListResponse" and resp["pageInfo"]["totalResults"] == 0
    assert emu.units_used == 3


def test_an_unknown_id_fails_the_whole_channels_request_with_400_by_default(yt, emu):
    with pytest.raises(HttpError) as e:  # one mistyped id beside a good one: the good one is lost too
        yt.channels().list(part="snippet", id=f"{DEMO_LAB_ID},UC{'x' * 22}").execute()
    assert e.value.status_code == 400 and reason_of(e.value) == "badRequest"
    err = json.loads(e.value.content)["error"]
    assert err["message"] == "Request contains an invalid argument." and err["status"] == "INVALID_ARGUMENT"
    assert yt.channels().list(part="id", id=DEMO_LAB_ID).execute()["items"][0]["id"] == DEMO_LAB_ID
    assert [c.status for c in emu.calls] == [400, 200] and emu.units_used == 2  # a 400 is billed


def test_unknown_handles_and_usernames_stay_200_without_items(yt, emu):
    for kwargs in ({"forHandle": "@nobody-here"}, {"forUsername": "nobody"}):
        assert "items" not in yt.channels().list(part="snippet", **kwargs).execute()
    assert emu.units_used == 2


def test_channels_without_a_filter_or_with_two_are_400(emu):
    status, body = get(emu, "channels?part=id&key=k")
    assert status == 400 and body["error"]["errors"][0]["reason"] == "missingRequiredParameter"
    status, body = get(emu, "channels?part=id&key=k&forHandle=y2sdemo&forUsername=y2sdemolab")
    assert status == 400 and body["error"]["errors"][0]["reason"] == "incompatibleParameters"


# -- parts ----------------------------------------------------------------------------------------------------

def test_only_requested_parts_are_returned(yt, cat):
    vid = cat.special["tagged"]
    [item] = yt.videos().list(part="statistics", id=vid).execute()["items"]
    assert set(item) == {"kind", "etag", "id", "statistics"}
    [item] = yt.videos().list(part="id", id=vid).execute()["items"]
    assert set(item) == {"kind", "etag", "id"}
    [item] = yt.channels().list(part="contentDetails", id=DEMO_LAB_ID).execute()["items"]
    assert set(item) == {"kind", "etag", "id", "contentDetails"}
    page = yt.playlistItems().list(part="contentDetails", playlistId="UU" + DEMO_LAB_ID[2:]).execute()
    assert all(set(i) == {"kind", "etag", "id", "contentDetails"} for i in page["items"])
    full = yt.videos().list(part="snippet,contentDetails,statistics,status,player", id=vid).execute()["items"][0]
    assert {"snippet", "contentDetails", "statistics", "status", "player"} <= set(full)


def test_missing_part_and_unknown_part_are_400(emu):
    status, body = get(emu, f"videos?id={demo_catalog().special['tagged']}&key=k")
    assert status == 400
    assert body["error"]["errors"][0] == {"message": "Required parameter: part", "domain": "global",
                                          "reason": "required", "location": "part", "locationType": "parameter"}
    status, body = get(emu, "videos?id=x&part=snippet,nature&key=k")
    assert status == 400 and body["error"]["errors"][0]["reason"] == "unknownPart"
    assert [c.units for c in emu.calls] == [1, 1]  # Google bills bad requests too


# -- playlistItems.list ---------------------------------------------------------------------------------------

def test_uploads_pages_chain_to_the_end(yt, cat, emu):
    playlist = "UU" + BIG_CHANNEL_ID[2:]
    pages = all_pages(lambda tok: yt.playlistItems().list(part="contentDetails,snippet", playlistId=playlist,
                                                          maxResults=50, pageToken=tok))
    assert len(pages) == 52
    assert all(len(p["items"]) == 50 for p in pages)
    ids = [i["contentDetails"]["videoId"] for p in pages for i in p["items"]]
    assert ids == cat.uploads(BIG_CHANNEL_ID)
    assert [i["snippet"]["position"] for p in pages for i in p["items"]] == list(range(2600))
    assert all(p["pageInfo"] == {"totalResults": 2600, "resultsPerPage": 50} for p in pages)
    assert "prevPageToken" not in pages[0] and "prevPageToken" in pages[1]
    assert emu.calls_by_method["playlistItems.list"] == 52 and emu.units_used == 52
    default = yt.playlistItems().list(part="id", playlistId=playlist).execute()
    assert len(default["items"]) == 5 and default["pageInfo"]["resultsPerPage"] == 5


def test_huge_channel_pages_through_twenty_thousand(cat, emu):
    yt = client(emu)
    pages = all_pages(lambda tok: yt.playlistItems().list(part="contentDetails", playlistId="UU" + HUGE_CHANNEL_ID[2:],
                                                          maxResults=50, pageToken=tok))
    assert len(pages) == 400
    assert [i["contentDetails"]["videoId"] for p in pages for i in p["items"]] == cat.uploads(HUGE_CHANNEL_ID)


def test_shorts_playlist_lists_the_channels_shorts(yt, cat):
    pages = all_pages(lambda tok: yt.playlistItems().list(part="contentDetails", playlistId="UUSH" + DEMO_LAB_ID[2:],
                                                          maxResults=50, pageToken=tok))
    assert [i["contentDetails"]["videoId"] for p in pages for i in p["items"]] == cat.shorts(DEMO_LAB_ID)


def test_invalid_page_tokens_are_400(yt):
    playlist = "UU" + DEMO_LAB_ID[2:]
    other = yt.playlistItems().list(part="id", playlistId="UU" + BIG_CHANNEL_ID[2:]).execute()["nextPageToken"]
    for token in ("garbage!", "CAUQAA", other):
        with pytest.raises(HttpError) as e:
            yt.playlistItems().list(part="id", playlistId=playlist, pageToken=token).execute()
        assert e.value.status_code == 400 and reason_of(e.value) == "invalidPageToken"


def test_max_results_over_50_is_400(yt):
    with pytest.raises(HttpError) as e:
        yt.playlistItems().list(part="id", playlistId="UU" + DEMO_LAB_ID[2:], maxResults=51).execute()
    assert e.value.status_code == 400
    err = json.loads(e.value.content)["error"]["errors"][0]
    assert err["reason"] == "invalid" and err["location"] == "maxResults"


def test_old_school_shorts_playlist_is_404(yt, emu):
    with pytest.raises(HttpError) as e:
        yt.playlistItems().list(part="id", playlistId="UUSH" + OLD_SCHOOL_ID[2:]).execute()
    assert e.value.status_code == 404
    body = json.loads(e.value.content)["error"]
    assert body["errors"][0]["reason"] == "playlistNotFound"
    assert body["errors"][0]["domain"] == "youtube.playlistItem"
    assert body["message"] == "The playlist identified with the request's <code>playlistId</code> parameter cannot be found."
    assert emu.units_used == 1  # a 404 is billed


def test_empty_channel_uploads_playlist_is_404_playlist_not_found(yt, emu):
    with pytest.raises(HttpError) as e:  # the real API: 404, not 200 with no items
        yt.playlistItems().list(part="snippet", playlistId="UU" + EMPTY_CHANNEL_ID[2:], maxResults=50).execute()
    assert e.value.status_code == 404 and reason_of(e.value) == "playlistNotFound"
    assert emu.units_used == 1


def test_a_playlist_listing_stops_at_the_cap(cat):
    emu = YouTubeEmulator(cat, playlist_cap=120)
    yt = client(emu)
    items = [i for p in all_pages(lambda tok: yt.playlistItems().list(
        part="contentDetails", playlistId="UU" + BIG_CHANNEL_ID[2:], maxResults=50, pageToken=tok))
        for i in p["items"]]
    assert len(items) == 120 and emu.calls_by_method["playlistItems.list"] == 3
    assert [i["contentDetails"]["videoId"] for i in items] == cat.uploads(BIG_CHANNEL_ID)[:120]


def test_the_default_cap_is_20000_so_the_huge_channel_lists_whole(emu):
    assert emu.playlist_cap == 20_000 and len(emu.catalog.uploads(HUGE_CHANNEL_ID)) == 20_000


def test_private_and_deleted_videos_are_placeholders_in_a_playlist_but_never_returned_by_videos(yt, cat):
    sp = cat.special
    hidden = [sp["private_1"], sp["private_2"], sp["deleted"]]
    uploads = [i for p in all_pages(lambda tok: yt.playlistItems().list(
        part="snippet,contentDetails,status", playlistId="UU" + DEMO_LAB_ID[2:], maxResults=50, pageToken=tok))
        for i in p["items"]]
    assert len(uploads) == 150  # the uploads playlist leaves private and deleted videos out (issue 18)
    assert not {i["contentDetails"]["videoId"] for i in uploads} & set(hidden)
    assert not {i["snippet"]["title"] for i in uploads} & {"Private video", "Deleted video"}
    items = [i for p in all_pages(lambda tok: yt.playlistItems().list(
        part="snippet,contentDetails,status", playlistId=EDITING_BASICS_ID, maxResults=50, pageToken=tok))
        for i in p["items"]]
    by_id = {i["contentDetails"]["videoId"]: i for i in items}
    assert set(hidden) <= set(by_id)  # an ordinary playlist keeps them, as placeholders
    for vid in hidden:
        item = by_id[vid]
        assert item["snippet"]["title"] in ("Private video", "Deleted video")
        assert "videoPublishedAt" not in item["contentDetails"]
        assert "videoOwnerChannelId" not in item["snippet"]
    assert by_id[sp["deleted"]]["snippet"]["title"] == "Deleted video"
    public = by_id[sp["tagged"]]
    assert public["contentDetails"]["videoPublishedAt"] and public["snippet"]["videoOwnerChannelId"] == DEMO_LAB_ID
    resp = yt.videos().list(part="id", id=",".join(hidden + [sp["tagged"]])).execute()
    assert [i["id"] for i in resp["items"]] == [sp["tagged"]]


# -- videos.list ----------------------------------------------------------------------------------------------

def test_videos_accepts_50_ids_and_rejects_51(yt, cat, emu):
    ids = [v.id for v in cat.videos(BIG_CHANNEL_ID)[:51]]
    assert len(yt.videos().list(part="id", id=",".join(ids[:50])).execute()["items"]) == 50
    with pytest.raises(HttpError) as e:
        yt.videos().list(part="id", id=",".join(ids)).execute()
    assert e.value.status_code == 400 and reason_of(e.value) == "invalidFilters"
    assert [c.ids for c in emu.calls] == [50, 51]


def test_repeated_id_parameters_count_as_a_comma_list(yt, cat, emu):
    ids = [v.id for v in cat.videos(DEMO_LAB_ID)[:3]]
    resp = yt.videos().list(part="id", id=ids).execute()  # the client sends id=a&id=b&id=c
    assert [i["id"] for i in resp["items"]] == ids
    assert emu.calls[-1] == Call("videos.list", {"part": "id", "id": ",".join(ids), "alt": "json"}, 1, 3, 200)


def test_video_edge_cases_have_the_real_shapes(yt, cat):
    sp = cat.special
    keys = ["live_now", "upcoming", "premiere_no_duration", "hidden_likes", "comments_off", "live_marathon",
            "one_hour", "four_minutes", "sd_archive", "tagged"]
    resp = yt.videos().list(part="snippet,contentDetails,statistics,liveStreamingDetails",
                            id=",".join(sp[k] for k in keys)).execute()
    v = {k: item for k, item in zip(keys, resp["items"], strict=True)}
    now = DEMO_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    live = v["live_now"]
    assert live["snippet"]["liveBroadcastContent"] == "live" and live["contentDetails"]["duration"] == "P0D"
    assert "actualStartTime" in live["liveStreamingDetails"] and "actualEndTime" not in live["liveStreamingDetails"]
    assert live["liveStreamingDetails"]["concurrentViewers"].isdigit()
    up = v["upcoming"]
    assert up["snippet"]["liveBroadcastContent"] == "upcoming" and up["contentDetails"]["duration"] == "P0D"
    assert up["liveStreamingDetails"]["scheduledStartTime"] > now
    assert "actualStartTime" not in up["liveStreamingDetails"]
    assert "duration" not in v["premiere_no_duration"]["contentDetails"]
    assert "likeCount" not in v["hidden_likes"]["statistics"]
    assert "commentCount" not in v["comments_off"]["statistics"]
    marathon = v["live_marathon"]
    assert marathon["contentDetails"]["duration"] == "P1DT2H3M4S"
    assert {"actualStartTime", "actualEndTime"} <= set(marathon["liveStreamingDetails"])
    assert v["one_hour"]["contentDetails"]["duration"] == "PT1H"
    assert v["four_minutes"]["contentDetails"]["duration"] == "PT4M"
    assert v["sd_archive"]["contentDetails"]["definition"] == "sd" and "maxres" not in v["sd_archive"]["snippet"]["thumbnails"]
    assert "tags" not in v["sd_archive"]["snippet"] and v["tagged"]["snippet"]["tags"]
    assert "liveStreamingDetails" not in v["tagged"]
    for item in resp["items"]:
        assert all(isinstance(x, str) for x in item["statistics"].values())
        assert item["statistics"]["favoriteCount"] == "0"
    stamps = [cat.video(x)["snippet"]["publishedAt"] for x in cat.uploads(DEMO_LAB_ID) if cat.video(x)]
    assert any(s.endswith(".000Z") for s in stamps) and any(re.search(r":\d\dZ$", s) for s in stamps)


# -- playlists.list -------------------------------------------------------------------------------------------

def test_playlists_list_knows_uploads_and_shorts_playlists(yt, cat):
    ids = ["UU" + DEMO_LAB_ID[2:], "UUSH" + DEMO_LAB_ID[2:], "UUSH" + OLD_SCHOOL_ID[2:], "PLnope"]
    resp = yt.playlists().list(part="snippet,contentDetails", id=",".join(ids)).execute()
    got = {i["id"]: i for i in resp["items"]}
    assert set(got) == set(ids[:2])
    assert got[ids[0]]["contentDetails"]["itemCount"] == 150  # public uploads only (issue 18)
    assert got[ids[1]]["contentDetails"]["itemCount"] == len(cat.shorts(DEMO_LAB_ID))
    assert got[ids[0]]["snippet"]["channelId"] == DEMO_LAB_ID


# -- search.list ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("q, expected", [("OldSchoolTutorials", OLD_SCHOOL_ID), ("@y2sdemo", DEMO_LAB_ID),
                                         ("old school", OLD_SCHOOL_ID), ("huge channel", HUGE_CHANNEL_ID)])
def test_search_finds_channels_best_first(yt, q, expected):
    resp = yt.search().list(part="snippet", q=q, type="channel", maxResults=5).execute()
    first = resp["items"][0]
    assert first["id"] == {"kind": "youtube#channel", "channelId": expected}
    assert first["snippet"]["channelId"] == expected and "customUrl" not in first["snippet"]


def test_search_costs_one_call_of_its_own_bucket_and_pages(yt, emu):
    resp = yt.search().list(part="snippet", q="demo", type="channel", maxResults=2).execute()
    assert len(resp["items"]) == 2 and resp["nextPageToken"]
    nxt = yt.search().list(part="snippet", q="demo", type="channel", maxResults=2,
                           pageToken=resp["nextPageToken"]).execute()
    assert {i["id"]["channelId"] for i in nxt["items"]}.isdisjoint(i["id"]["channelId"] for i in resp["items"])
    assert emu.units_used == 0 and emu.search_calls_used == 2  # nothing from the 10,000-unit pool
    assert emu.units_by_method == {"search.list": 2} and emu.units_by_method() == {"search.list": 2}


def test_exhausting_the_search_bucket_leaves_the_main_pool_and_vice_versa(cat):
    emu = YouTubeEmulator(cat, daily_quota=2, search_daily_calls=2)
    yt = client(emu)
    for _ in range(2):
        yt.search().list(part="snippet", q="demo", type="channel").execute()
    with pytest.raises(HttpError) as e:
        yt.search().list(part="snippet", q="demo", type="channel").execute()
    assert e.value.status_code == 429
    err = json.loads(e.value.content)["error"]
    assert err["status"] == "RESOURCE_EXHAUSTED" and "Search Queries per day" in err["message"]
    assert emu.search_calls_used == 2 and emu.calls[-1].units == 0
    yt.channels().list(part="id", forHandle="@y2sdemo").execute()  # the main pool is untouched by searches
    yt.channels().list(part="id", forHandle="@y2sdemo").execute()
    with pytest.raises(HttpError) as e:
        yt.channels().list(part="id", forHandle="@y2sdemo").execute()
    assert e.value.status_code == 403 and reason_of(e.value) == "quotaExceeded"
    emu.search_daily_calls = 3
    yt.search().list(part="snippet", q="demo", type="channel").execute()  # a spent pool leaves the search bucket
    assert emu.units_used == 2 and emu.search_calls_used == 3
    assert emu.units_by_method == {"search.list": 3, "channels.list": 2}


def test_search_videos_in_a_channel_by_date(yt, cat):
    resp = yt.search().list(part="snippet", channelId=OLD_SCHOOL_ID, type="video", order="date",
                            maxResults=50).execute()
    assert [i["id"]["videoId"] for i in resp["items"]] == [v.id for v in cat.videos(OLD_SCHOOL_ID)]


# -- keys, quota, faults --------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["bad-key", "badKEY", "invalid"])
def test_invalid_key_is_400_bad_request_api_key_not_valid(cat, key):
    emu = YouTubeEmulator(cat)
    with pytest.raises(HttpError) as e:
        client(emu, key=key).channels().list(part="id", forHandle="@y2sdemo").execute()
    assert e.value.status_code == 400 and reason_of(e.value) == "badRequest"
    err = json.loads(e.value.content)["error"]
    assert err["message"] == "API key not valid. Please pass a valid API key." and err["status"] == "INVALID_ARGUMENT"
    assert emu.units_used == 0 and emu.calls[0].status == 400


def test_invalid_key_old_body_matches_the_recorded_one(cat):
    emu = YouTubeEmulator(cat, invalid_key="old")
    status, body = get(emu, "videos?part=id&id=x&key=bad")
    assert status == 400
    assert body == fixture("error_response.json")


def test_missing_key_is_403_forbidden(emu):
    status, body = get(emu, "videos?part=id&id=x")
    assert status == 403
    assert body["error"]["status"] == "PERMISSION_DENIED"
    assert body["error"]["errors"] == [{"message": "The request is missing a valid API key.", "domain": "global",
                                        "reason": "forbidden"}]
    assert emu.units_used == 0
    assert not shape_diff(body, fixture("apidata/error_permission_resp.json"))


def test_quota_is_counted_and_exhausted_at_the_limit(cat):
    emu = YouTubeEmulator(cat, daily_quota=2)
    yt = client(emu)
    yt.channels().list(part="id", forHandle="@y2sdemo").execute()
    yt.videos().list(part="id", id=cat.special["tagged"]).execute()
    yt.search().list(part="snippet", q="demo", type="channel").execute()
    assert emu.units_used == 2 and emu.search_calls_used == 1
    with pytest.raises(HttpError) as e:
        yt.videos().list(part="id", id=cat.special["tagged"]).execute()
    assert e.value.status_code == 403
    err = json.loads(e.value.content)["error"]
    assert err["message"] == QUOTA_MESSAGE
    assert err["errors"][0] == {"message": QUOTA_MESSAGE, "domain": "youtube.quota", "reason": "quotaExceeded"}
    assert emu.units_used == 2 and emu.calls[-1].units == 0 and emu.calls[-1].status == 403
    assert emu.units_by_method == {"channels.list": 1, "videos.list": 1, "search.list": 1}
    assert emu.calls_by_method == {"channels.list": 1, "videos.list": 2, "search.list": 1}
    emu.daily_quota = 3
    yt.videos().list(part="id", id=cat.special["tagged"]).execute()
    assert emu.units_used == 3
    emu.reset()
    assert emu.units_used == 0 and emu.search_calls_used == 0 and emu.calls == []
    yt.search().list(part="snippet", q="demo").execute()
    assert emu.units_used == 0 and emu.search_calls_used == 1


def test_fault_injection_then_success(yt, cat, emu):
    emu.fail_next("videos.list", 503, "backendError")
    yt.channels().list(part="id", forHandle="@y2sdemo").execute()  # other methods are unaffected
    with pytest.raises(HttpError) as e:
        yt.videos().list(part="id", id=cat.special["tagged"]).execute()
    assert e.value.status_code == 503 and reason_of(e.value) == "backendError"
    assert yt.videos().list(part="id", id=cat.special["tagged"]).execute()["items"]
    assert [c.status for c in emu.calls] == [200, 503, 200]
    assert emu.units_used == 2

    emu.fail_next(None, 500, "backendError", times=2)
    req = yt.playlistItems().list(part="id", playlistId="UU" + DEMO_LAB_ID[2:])
    req._sleep, req._rand = (lambda _s: None), (lambda: 0.0)  # no real backoff in tests
    assert len(req.execute(num_retries=2)["items"]) == 5  # the client retried twice, then succeeded
    assert [c.status for c in emu.calls[-3:]] == [500, 500, 200]

    emu.fail_next("search.list", 403, "quotaExceeded")
    with pytest.raises(HttpError) as e:
        yt.search().list(part="snippet", q="x").execute()
    assert reason_of(e.value) == "quotaExceeded"
    with pytest.raises(ValueError):
        emu.fail_next("videos.insert")


def test_concurrent_requests_are_counted_exactly(cat):
    emu = YouTubeEmulator(cat, latency=0.001)
    ids = [v.id for v in cat.videos(BIG_CHANNEL_ID)[:50]]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            yt = client(emu)
            for _ in range(25):
                assert len(yt.videos().list(part="statistics", id=",".join(ids)).execute()["items"]) == 50
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert emu.units_used == 200 and len(emu.calls) == 200 and emu.calls_by_method == {"videos.list": 200}


def test_served_over_http_on_localhost(cat):
    emu = YouTubeEmulator(cat)
    with serve(emu) as server:
        yt = build("youtube", "v3", developerKey="k", http=httplib2.Http(timeout=10), static_discovery=True,
                   client_options={"api_endpoint": server.url})
        resp = yt.channels().list(part="snippet", forHandle="@y2sdemo").execute()
        with pytest.raises(HttpError) as e:
            yt.playlistItems().list(part="id", playlistId="UUSH" + OLD_SCHOOL_ID[2:]).execute()
    assert resp["items"][0]["snippet"]["title"] == "Y2S Demo Lab"
    assert e.value.status_code == 404
    assert [c.method for c in emu.calls] == ["channels.list", "playlistItems.list"]


def test_non_get_and_unknown_routes(emu):
    status, _h, _b = emu.handle("POST", f"{YT_URL}/videos?part=id&key=k", {}, b"{}")
    assert status == 405
    status, _h, _b = emu.handle("GET", f"{YT_URL}/captions?part=id&key=k", {}, None)
    assert status == 404
    assert emu.units_used == 0


# -- shapes against the recorded responses ------------------------------------------------------------------

def test_channel_shape_matches_the_recording(yt):
    ours = yt.channels().list(part="snippet,statistics", id=DEMO_LAB_ID).execute()
    assert shape_diff(ours, fixture("apidata/channel_info_single.json")) <= {"-items.[].statistics.commentCount"}
    ours = yt.channels().list(part="snippet,contentDetails,statistics,brandingSettings", id=DEMO_LAB_ID).execute()
    diff = shape_diff(ours, fixture("apidata/channels/info_multiple.json"))
    assert diff <= {"+items.[].snippet.country", "+items.[].brandingSettings.channel.country",
                    "-items.[].brandingSettings.channel.trackingAnalyticsAccountId",
                    "-items.[].brandingSettings.channel.unsubscribedTrailer"}


def test_video_shape_matches_the_recording(yt, cat):
    ours = yt.videos().list(part="snippet,contentDetails,status,statistics", id=cat.special["tagged"]).execute()
    diff = shape_diff(ours, fixture("modeldata/videos/video_api_response.json"))
    # dislikeCount left the public API in December 2021; contentRating and madeForKids are current fields
    assert diff <= {"-items.[].statistics.dislikeCount", "+items.[].contentDetails.contentRating",
                    "+items.[].status.madeForKids"}
    ours = yt.videos().list(part="snippet,player", id=cat.special["tagged"]).execute()
    assert not shape_diff(ours, fixture("apidata/videos/videos_info_single.json"))


def test_playlist_item_shape_matches_the_recording(yt, cat):
    ours = yt.playlistItems().list(part="snippet", playlistId="UU" + DEMO_LAB_ID[2:], maxResults=10).execute()
    tagged = yt.playlistItems().list(part="snippet", playlistId="UU" + DEMO_LAB_ID[2:],
                                     videoId=cat.special["tagged"]).execute()
    assert len(tagged["items"]) == 1
    ours["items"] = tagged["items"]  # an entry with every thumbnail size, on a page with a next token
    diff = shape_diff(ours, fixture("apidata/playlist_items/playlist_items_paged_1.json"))
    assert diff <= {"+items.[].snippet.videoOwnerChannelTitle", "+items.[].snippet.videoOwnerChannelId"}


def test_search_shapes_match_the_recordings(yt):
    ours = yt.search().list(part="snippet", q="demo", type="channel", maxResults=2).execute()
    assert shape_diff(ours, fixture("apidata/search/search_channels.json")) <= {"+items.[].snippet.publishTime"}
    ours = yt.search().list(part="snippet", channelId=DEMO_LAB_ID, type="video", order="date", maxResults=3).execute()
    assert shape_diff(ours, fixture("apidata/search/search_videos_by_channel.json")) <= {
        "+items.[].snippet.publishTime"}


def test_catalog_module_exports(cat):
    assert catalog_mod.DEMO_NOW.isoformat() == "2026-11-01T12:00:00+00:00"
    assert catalog_mod.iso_duration(253) == "PT4M13S" and catalog_mod.iso_duration(0) == "P0D"
