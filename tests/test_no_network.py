"""The test process cannot reach the network (tests/conftest.py's guard): what the suite proves is proven
against the emulators, never against googleapis.com by accident."""

from __future__ import annotations

import socket

import httplib2
import pytest
import requests
from googleapiclient.discovery import build

from tests.conftest import NetworkRefused


@pytest.mark.parametrize("host", ["youtube.googleapis.com", "sheets.googleapis.com", "oauth2.googleapis.com"])
def test_googles_hosts_are_refused_before_any_packet(host):
    with pytest.raises(NetworkRefused):
        socket.getaddrinfo(host, 443)
    with pytest.raises(NetworkRefused):
        socket.create_connection(("142.250.80.10", 443), timeout=1)  # an address of Google's, not resolved


def test_the_real_clients_would_fail_instead_of_calling_google():
    youtube = build("youtube", "v3", developerKey="k", http=httplib2.Http(timeout=2), static_discovery=True)
    with pytest.raises(NetworkRefused):
        youtube.channels().list(part="id", id="UC" + "a" * 22).execute(num_retries=0)
    with pytest.raises((NetworkRefused, requests.exceptions.ConnectionError)):
        requests.get("https://sheets.googleapis.com/v4/spreadsheets/x", timeout=2)


def test_loopback_still_works():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    with socket.create_connection(("localhost", port), timeout=2):
        pass
    server.close()
