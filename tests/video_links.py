"""Video-link forms for the one video-link parser, ``channel_input.video_id_from_url``.

Channel inputs (test_channel_input.py) and a sheet's URL cells (test_sheets_plan.py) used to be read
by two parsers with different host and path lists. Both suites run every form here, so whatever
either parser accepted stays accepted in both places.
"""

from __future__ import annotations


def video_links(vid: str) -> list[str]:
    """Links to video ``vid`` that are accepted as channel inputs and in sheet URL cells."""
    return [
        # accepted by both parsers before
        f"https://www.youtube.com/watch?v={vid}",
        f"youtube.com/watch?v={vid}",
        f"https://www.youtube.com/watch?feature=share&v={vid}&t=42s",
        f"https://www.youtube.com/watch?v={vid}&list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs&index=2",
        f"http://m.youtube.com/watch?v={vid}",
        f"https://music.youtube.com/watch?v={vid}",
        f"HTTPS://WWW.YOUTUBE.COM/watch?v={vid}",
        f"youtu.be/{vid}",
        f"https://youtu.be/{vid}?si=AbCdEf&t=10",
        f"https://www.youtube.com/shorts/{vid}?feature=share",
        f"https://www.youtube.com/live/{vid}?si=x",
        f"https://www.youtube.com/embed/{vid}?start=3",
        f"https://www.youtube.com/v/{vid}",
        f"https://www.youtube.com/e/{vid}",
        f"https://www.youtube-nocookie.com/embed/{vid}",
        f"youtube-nocookie.com/v/{vid}",
        # accepted before as channel inputs only
        f"https://www.youtube.com/watch/{vid}",
        f"https://www.youtube.com/?v={vid}",
        f"https://studio.youtube.com/watch?v={vid}",
        f"//youtu.be/{vid}",
        f"https://www.youtube.com/Shorts/{vid}",
        f"https://youtube.com./watch?v={vid}",
        f"https://youtu.be/%{ord(vid[0]):02X}{vid[1:]}",
        # accepted before in sheet cells only
        f"https://m.youtu.be/{vid}",
        f"https://music.youtube-nocookie.com/embed/{vid}",
        f"https://www.m.youtube.com/watch?v={vid}",
        f"https://www.youtube.com/watch?v=&v={vid}",
    ]


def sheet_only_video_links(vid: str) -> list[str]:
    """Links read in a sheet cell but refused as channel inputs (youtube-nocookie.com outside /embed/)."""
    return [
        f"https://www.youtube-nocookie.com/watch?v={vid}",
        f"https://www.youtube-nocookie.com/shorts/{vid}",
    ]


def not_video_links(vid: str) -> list[str]:
    """Text in which ``video_id_from_url`` finds no video id."""
    return [
        "",
        "not a url",
        "https://www.youtube.com/@handle",
        "https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw",
        f"https://www.youtube.com/playlist?list=PL1&v={vid}",
        "https://www.youtube.com/shorts",
        "https://youtu.be/",
        "https://www.youtube.com/watch?v=short",
        f"https://www.youtube.com/watch?v={vid}x",
        f"https://vimeo.com/{vid}",
        f"https://www.youtube.co.uk/watch?v={vid}",
        f"https://youtube.com.evil.example/watch?v={vid}",
        f"https:youtube.com/watch?v={vid}",
        f'=HYPERLINK("https://youtu.be/{vid}","watch")',  # formulas are the sheet planner's business
    ]
