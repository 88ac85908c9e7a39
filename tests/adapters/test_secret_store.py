"""The SOPS + age store for real: values round-trip, the file holds no clear text, and a wrong
key or a corrupt file is a clear error that leaves the file as it was."""

from __future__ import annotations

from pathlib import Path

import pyrage
import pytest

from adapters.secrets.age_key import ensure_key
from adapters.secrets.sops import SopsSecretStore
from core.errors import InvalidInput, SecretStoreUnavailable, UnknownHandle
from core.handles import Handle, check_secret_value
from core.known_secrets import KnownSecrets

VALUE = "sk-live-7f3a9c1e-quokka-value"
WEATHER_KEY = Handle.secret("weather-bot", "WEATHER_API_KEY")


def store_at(directory: Path, key_file: Path) -> SopsSecretStore:
    return SopsSecretStore(directory, key_file, cache_ttl_s=0, known=KnownSecrets())


@pytest.fixture
def store(tmp_path: Path) -> SopsSecretStore:
    return store_at(tmp_path / "secrets", ensure_key(tmp_path / "secrets" / "age.key"))


def secrets_file(store_dir: Path, tenant: str = "t1") -> Path:
    return store_dir / f"{tenant}.sops.json"


def test_a_value_round_trips_and_the_file_holds_no_clear_text(store: SopsSecretStore, tmp_path):
    store.put("t1", WEATHER_KEY, VALUE)

    assert store.get("t1", WEATHER_KEY) == VALUE
    assert store.handles("t1") == [WEATHER_KEY]
    on_disk = secrets_file(tmp_path / "secrets").read_bytes()
    assert VALUE.encode() not in on_disk and b"WEATHER_API_KEY" in on_disk  # names stay readable
    assert (secrets_file(tmp_path / "secrets").stat().st_mode & 0o777) == 0o600
    # A fresh store (another process) reads the same value from the file.
    assert (
        store_at(tmp_path / "secrets", tmp_path / "secrets" / "age.key").get("t1", WEATHER_KEY)
        == VALUE
    )


def test_put_if_absent_keeps_the_first_value(store: SopsSecretStore):
    assert store.put_if_absent("t1", WEATHER_KEY, "first-value") == "first-value"
    assert store.put_if_absent("t1", WEATHER_KEY, "second-value") == "first-value"
    assert store.get("t1", WEATHER_KEY) == "first-value"


def test_an_unknown_handle_is_named_in_the_error(store: SopsSecretStore):
    with pytest.raises(UnknownHandle, match="secret://weather-bot/WEATHER_API_KEY"):
        store.get("t1", WEATHER_KEY)


def test_a_wrong_key_refuses_and_leaves_the_file_byte_identical(store: SopsSecretStore, tmp_path):
    store.put("t1", WEATHER_KEY, VALUE)
    before = secrets_file(tmp_path / "secrets").read_bytes()
    wrong = tmp_path / "wrong.key"
    wrong.write_text(f"{pyrage.x25519.Identity.generate()}\n")
    intruder = store_at(tmp_path / "secrets", wrong)

    with pytest.raises(SecretStoreUnavailable, match="cannot decrypt .*t1.sops.json"):
        intruder.get("t1", WEATHER_KEY)
    with pytest.raises(SecretStoreUnavailable, match="Nothing was changed"):
        intruder.put("t1", Handle.secret("weather-bot", "OTHER"), "another-value")
    assert secrets_file(tmp_path / "secrets").read_bytes() == before


def test_a_missing_key_is_a_clear_error(store: SopsSecretStore, tmp_path):
    store.put("t1", WEATHER_KEY, VALUE)
    lost = store_at(tmp_path / "secrets", tmp_path / "nowhere" / "age.key")
    with pytest.raises(SecretStoreUnavailable, match="age key .*nowhere/age.key is missing"):
        lost.get("t1", WEATHER_KEY)


def test_a_corrupt_file_is_a_clear_error_and_is_not_overwritten(store: SopsSecretStore, tmp_path):
    store.put("t1", WEATHER_KEY, VALUE)
    path = secrets_file(tmp_path / "secrets")
    corrupt = path.read_bytes()[:-40]
    path.write_bytes(corrupt)

    with pytest.raises(SecretStoreUnavailable, match="cannot decrypt .*t1.sops.json"):
        store.get("t1", WEATHER_KEY)
    with pytest.raises(SecretStoreUnavailable):
        store.put("t1", WEATHER_KEY, "a-replacement-value")
    assert path.read_bytes() == corrupt


@pytest.mark.parametrize("value", ["", "   ", "\n", "two\nlines", "nul\x00byte"])
def test_empty_or_multiline_values_are_refused_without_echoing_them(value: str):
    with pytest.raises(InvalidInput, match="WEATHER_API_KEY") as refused:
        check_secret_value("WEATHER_API_KEY", value)
    assert value.strip() == "" or value not in str(refused.value)


def test_a_trailing_newline_is_dropped_and_a_pem_may_span_lines():
    assert check_secret_value("TOKEN", "abc123\n") == "abc123"
    pem = "-----BEGIN KEY-----\nAAAA\n-----END KEY-----\n"
    assert check_secret_value("SSH_KEY", pem, multiline=True) == pem
