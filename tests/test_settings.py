"""Settings: credentials from the environment or st.secrets, checked, never echoed."""

from __future__ import annotations

import pytest

from y2s_core.errors import InputError
from y2s_core.settings import Settings, load_service_account


def test_secrets_service_account_must_be_a_full_table():
    with pytest.raises(InputError, match="must be a table"):
        Settings.from_env({}, secrets={"gcp_service_account": 42})
    with pytest.raises(InputError, match="neither a readable file path nor service-account JSON"):
        Settings.from_env({}, secrets={"gcp_service_account": "oops"})  # text: the JSON, or a path to it
    with pytest.raises(InputError, match="no client_email"):
        Settings.from_env({}, secrets={"gcp_service_account": {"type": "service_account"}})
    ok = Settings.from_env({}, secrets={"gcp_service_account": {"client_email": "w@p.iam.gserviceaccount.com"}})
    assert ok.service_account_email == "w@p.iam.gserviceaccount.com"


@pytest.mark.parametrize("value, phrase", [("{not json", "not valid JSON"), ("/no/such/key.json", "not a file"),
                                           ('{"type": "service_account"}', "no client_email")])
def test_a_bad_service_account_value_is_one_clear_error(value, phrase):
    with pytest.raises(InputError, match=phrase):
        load_service_account(value)


def test_repr_and_redact_never_show_secrets():
    s = Settings(youtube_api_key="AIzaTopSecret", service_account_info={"client_email": "w@x", "private_key": "PKSECRET"})
    assert "AIzaTopSecret" not in repr(s) and "PKSECRET" not in repr(s)
    assert s.redact("key=AIzaTopSecret pk=PKSECRET") == "key=[redacted] pk=[redacted]"


@pytest.mark.parametrize("key", ["AIza\nsecond-line", "AIza\r\nX", "AIza key", "ключAIza", "AIza\x00"])
def test_a_key_no_api_key_could_be_is_refused_without_echoing_it(key):
    with pytest.raises(InputError, match="YOUTUBE_API_KEY holds a line break, space or other character") as e:
        Settings.from_env({"YOUTUBE_API_KEY": key})
    assert key.strip() not in str(e.value) and "AIza\n" not in str(e.value)
    assert Settings.from_env({"YOUTUBE_API_KEY": "  AIza-key_0\n"}).youtube_api_key == "AIza-key_0"
