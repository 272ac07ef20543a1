"""Pushing with a person's own Google account (the app's signed-in member) instead of the service account.

The app's sign-in (Streamlit's ``st.login`` with ``expose_tokens = ["access"]`` and the Sheets scope asked)
gives the app the person's OAuth access token, and nothing else: no refresh token, no expiry time (Google's
last about an hour). ``credentials`` makes the google-auth credentials and session ``GoogleSheetTarget`` hands
to gspread; ``refusal`` says what Google's 401 or 403 means for that person; ``SignInExpired`` is the one
"sign in again" answer to a token Google no longer accepts (expired, or revoked).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import PermissionDenied, SheetsError


class SignInExpired(PermissionDenied):
    """Google refused a signed-in person's own access token (401: expired, or revoked): they sign in again.

    The ordinary end of a long session, not a fault. A push refused half-way resumes without duplicates."""

    MESSAGE = ("Your Google sign-in expired: sign out and sign in again, then push again "
               "(your approved rows are kept).")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.MESSAGE, email=None, status=401)


def credentials(token: str, scopes: Sequence[str]) -> tuple[Any, Any]:
    """(credentials, session) for gspread: ``google.oauth2.credentials.Credentials(token)`` in an
    ``AuthorizedSession`` that sends ``Authorization: Bearer <token>`` on every request. The token cannot be
    refreshed here, so a 401 is not met with a refresh (``refresh_status_codes=()``): it reaches ``refusal``."""
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2.credentials import Credentials

    auth = Credentials(token=token, scopes=list(scopes))
    return auth, AuthorizedSession(auth, refresh_status_codes=())


def refusal(status: int, message: str, email: str | None) -> SheetsError:
    """Google refused the person's own token: expired or revoked (401), a sign-in that did not grant the Sheets
    scope, the API off for the sign-in's Cloud project, or a sheet this person may not edit (403). ``message``:
    Google's (already redacted); ``email``: the person's address, named to them only."""
    if status == 401:
        return SignInExpired()
    if "insufficient authentication scopes" in message.lower():
        return PermissionDenied(
            "Your Google sign-in does not let this app edit Google Sheets (the spreadsheets scope was not granted): "
            "sign out and sign in again, and allow access to your spreadsheets when Google asks. If Google does not "
            "ask, the app's owner must add the Sheets scope to [auth] (see the README).", email=None, status=403)
    if "has not been used" in message or "is disabled" in message:
        return PermissionDenied(
            "The Google Sheets API is not enabled for the Google Cloud project of this app's sign-in; the app's "
            f"owner must enable it: {message}", email=None, status=403)
    who = f"Your Google account ({email})" if email else "Your Google account"
    return PermissionDenied(
        f"{who} may not edit this spreadsheet ({status}): open it with that account in Google Sheets, or ask its "
        "owner to share it with you as Editor, then re-run the push.", email=email, status=status)
