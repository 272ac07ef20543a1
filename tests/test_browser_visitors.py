"""Issue 16 item 2: safe without sign-in. With real credentials configured and no ``[auth]``, only a visitor on
the machine the app runs on uses them; a visitor from another address, or one whose request came through a
proxy, gets demo mode with a banner saying why (``Y2S_TRUST_ALL_VISITORS=true`` lifts it). Decided by
``dashboard.state.visitor_trusted`` (unit cases below) and proved in a real browser against the app served on
this machine's own non-loopback address: the owner's YouTube endpoint (the emulator) gets no call from it."""

from __future__ import annotations

import socket

import pytest

from tests.test_browser import _idle, chromium_path, enter_text, page  # noqa: F401 - fixtures
from tests.test_browser_trust import streamlit_app
from y2s_core.dashboard.state import visitor_trusted, without_owner_credentials
from y2s_core.emulators.transport import serve
from y2s_core.emulators.youtube import YouTubeEmulator
from y2s_core.settings import Settings

BANNER = "Demo mode for visitors from other machines"


@pytest.mark.parametrize(("ip", "headers", "trust_all", "trusted"), [
    (None, {}, False, True),  # Streamlit's None: a loopback connection
    ("192.0.2.9", {}, False, False),
    ("2001:db8::7", {}, False, False),
    (None, {"X-Forwarded-For": "198.51.100.4"}, False, False),  # nginx in front of a local Streamlit
    (None, {"forwarded": "for=198.51.100.4"}, False, False),
    (None, {"X-REAL-IP": "198.51.100.4"}, False, False),
    ("192.0.2.9", {"X-Forwarded-For": "198.51.100.4"}, True, True),  # the owner said so
])
def test_who_uses_the_owners_credentials(ip, headers, trust_all, trusted):
    assert visitor_trusted(ip, headers, trust_all) is trusted


def test_a_distrusted_visitor_gets_none_of_the_owners_credentials(tmp_path):
    owner = Settings(youtube_api_key="AIza" + "x" * 35, youtube_api_url="http://127.0.0.1:9/yt", data_dir=tmp_path,
                     database_url="postgresql://y2s:pw@db/y2s", sheets_api_url="http://127.0.0.1:9/sheets")
    demo, why = without_owner_credentials(owner)
    assert demo.demo and not demo.has_sheets and demo.database_url is None and why
    assert demo.data_dir == owner.data_dir
    bare = Settings(data_dir=tmp_path)
    assert without_owner_credentials(bare) == (bare, None)  # nothing to withhold: plain demo mode, no banner


def own_address() -> str | None:
    """This machine's first non-loopback IPv4 address, read from its interfaces (SIOCGIFADDR: nothing is sent)."""
    import fcntl
    import struct

    for _, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
            except OSError:  # no IPv4 address on this interface
                continue
        address = socket.inet_ntoa(packed[20:24])
        if not address.startswith("127."):
            return address
    return None


def _fetch(pg, channels: str) -> None:
    enter_text(pg, pg.get_by_role("textbox", name="Channels"), channels)
    pg.get_by_role("button", name="Fetch", exact=True).click()
    pg.get_by_text("Old School Tutorials").first.wait_for()
    _idle(pg)


@pytest.mark.browser
def test_a_visitor_from_another_machine_gets_demo_mode_and_the_owner_one_the_key(tmp_path, page):  # noqa: F811
    address = own_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to visit the app from")
    emu = YouTubeEmulator()
    with serve(emu) as yt:
        owner_env = {"YOUTUBE_API_KEY": "k" * 39, "Y2S_YOUTUBE_API_URL": yt.url}
        with streamlit_app(tmp_path, owner_env, address="0.0.0.0") as (url, _):
            port = url.rsplit(":", 1)[1]
            page.goto(f"http://{address}:{port}")  # another machine, as far as the app can tell
            page.get_by_text(BANNER).first.wait_for()
            _fetch(page, "@oldschool")
            assert emu.calls == []  # the owner's endpoint (and key) were never used for this visitor
            page.goto(f"http://127.0.0.1:{port}")  # the owner, on the machine itself
            page.get_by_role("heading", name="Fetch videos").wait_for()
            _idle(page)
            assert page.get_by_text(BANNER).count() == 0
            _fetch(page, "@oldschool")
            assert emu.calls, "the owner's fetch did not reach the owner's endpoint"
        with streamlit_app(tmp_path, {**owner_env, "Y2S_TRUST_ALL_VISITORS": "true"}, address="0.0.0.0") as (url, _):
            port = url.rsplit(":", 1)[1]
            page.goto(f"http://{address}:{port}")
            page.get_by_role("heading", name="Fetch videos").wait_for()
            _idle(page)
            assert page.get_by_text(BANNER).count() == 0  # the owner lifted it
