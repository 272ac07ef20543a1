"""Faithful fakes of the YouTube Data API v3 and the Google Sheets API v4.

They ship in the product: tests, the app's demo mode and the benchmarks all run the real client
libraries (google-api-python-client, gspread) against them, in-process (``transport.HttplibHttp``,
``transport.requests_session``) or over HTTP on 127.0.0.1 (``transport.serve``).

The demo catalog (``catalog``) has a clock (``demo_clock``, kept in the data directory): the YouTube
emulator serves the demo as it stands on the clock's day (new uploads, views grown), and
``python -m y2s_core.emulators clock --advance 1d`` moves it.
"""
