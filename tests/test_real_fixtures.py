"""The models read what Google really sends: every relevant recording in ../shared/fixtures/real-youtube."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from y2s_core.errors import KeyInvalid, QuotaExceeded, YouTubeError
from y2s_core.models import VideoType
from y2s_core.youtube import channel_from_resource, translate_http_error, video_from_resource


def load(root, rel):
    return json.loads((root / "real-youtube" / rel).read_text(encoding="utf-8"))


VIDEO_FILES = [
    "apidata/videos/videos_info_single.json",
    "apidata/videos/videos_info_multi.json",
    "apidata/videos/videos_chart_paged_1.json",
    "modeldata/videos/video_api_response.json",
]
CHANNEL_FILES = [
    "apidata/channel_info_single.json",
    "apidata/channel_info_multi.json",
    "apidata/channels/info.json",
    "apidata/channels/info_multiple.json",
    "modeldata/channels/channel_api_response.json",
]


@pytest.mark.parametrize("rel", VIDEO_FILES)
def test_every_recorded_video_parses(real_fixtures, rel):
    items = load(real_fixtures, rel)["items"]
    assert items
    for item in items:
        v = video_from_resource(item, in_shorts=False)
        sn = item["snippet"]
        assert v.id == item["id"] and len(v.id) == 11
        assert v.title == sn["title"] and v.channel_id == sn["channelId"]
        assert v.published_at.tzinfo is not None and v.published_at.year >= 2005
        stats = item.get("statistics")
        if stats:
            assert v.views == int(stats["viewCount"])
            assert v.likes == (int(stats["likeCount"]) if "likeCount" in stats else None)
        else:  # the part was not requested in that recording: unknown, never 0
            assert v.views is None and v.likes is None and v.comments is None
        if "contentDetails" not in item:
            assert v.duration_seconds is None


def test_full_recorded_video_values(real_fixtures):
    item = load(real_fixtures, "modeldata/videos/video_api_response.json")["items"][0]
    v = video_from_resource(item, in_shorts=False)
    assert v.duration_seconds == 21 * 60 + 7  # PT21M7S
    assert (v.views, v.likes, v.comments) == (7920, 190, 32)
    assert v.published_at == datetime(2019, 3, 21, 20, 37, 49, tzinfo=timezone.utc)  # "...49.000Z"
    assert v.type is VideoType.LONG
    assert v.tags and v.thumbnail.startswith("https://i.ytimg.com/")
    assert v.to_row()["date"] == "2019-03-21T20:37:49Z"


def test_hidden_likes_stay_none_not_zero(real_fixtures):
    item = load(real_fixtures, "modeldata/videos/video_api_response.json")["items"][0]
    stats = {k: v for k, v in item["statistics"].items() if k not in ("likeCount", "commentCount")}
    v = video_from_resource({**item, "statistics": stats}, in_shorts=False)
    assert v.likes is None and v.comments is None and v.views == 7920


@pytest.mark.parametrize("rel", CHANNEL_FILES)
def test_every_recorded_channel_parses(real_fixtures, rel):
    for item in load(real_fixtures, rel)["items"]:
        ch = channel_from_resource(item)
        assert ch.id.startswith("UC") and len(ch.id) == 24
        assert ch.title == item["snippet"]["title"]
        assert ch.uploads_playlist_id == "UU" + ch.id[2:]  # from contentDetails, or derived when not requested
        stats = item.get("statistics")
        if stats and not stats.get("hiddenSubscriberCount"):
            assert ch.subscribers == int(stats["subscriberCount"])
            assert ch.video_count == int(stats["videoCount"])


def test_recorded_channel_handles(real_fixtures):
    items = load(real_fixtures, "apidata/channels/info_multiple.json")["items"]
    assert {channel_from_resource(i).handle for i in items} == {"@google", "@googledevelopers"}


class _Resp(dict):
    def __init__(self, status):
        super().__init__(status=str(status))
        self.status = status
        self.reason = ""


def _http_error(status, body):
    from googleapiclient.errors import HttpError

    return HttpError(_Resp(status), json.dumps(body).encode(), uri="https://youtube.googleapis.com/youtube/v3/videos?key=SECRET123")


def test_recorded_key_invalid_maps_to_keyinvalid(real_fixtures):
    err = translate_http_error(_http_error(400, load(real_fixtures, "error_response.json")), "listing")
    assert isinstance(err, KeyInvalid) and err.exit_code == 4
    assert "SECRET123" not in str(err)


def test_recorded_permission_error_is_a_youtube_error(real_fixtures):
    err = translate_http_error(_http_error(403, load(real_fixtures, "apidata/error_permission_resp.json")), "listing")
    assert isinstance(err, YouTubeError) and not isinstance(err, QuotaExceeded)
    assert "SECRET123" not in str(err)
