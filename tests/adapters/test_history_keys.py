"""History keys in the real secret store and the codec that uses them: one first key however
many processes start at once, rotation that keeps old history readable, clear errors."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from adapters.secrets.age_key import ensure_key
from adapters.secrets.history_keys import StoreKeySource, history_converter, rotate_history_key
from adapters.secrets.sops import SopsSecretStore
from core.codec import ENCODING, KEY_ID, EncryptionCodec, HistoryKeys, UnknownHistoryKey
from core.errors import InvalidInput, SecretStoreUnavailable

IDEA = "Quokka census for the Rottnest lighthouse"


def store_in(directory: Path) -> SopsSecretStore:
    return SopsSecretStore(directory, ensure_key(directory / "age.key"))


def key_id_of(payload: Payload) -> str:
    assert payload.metadata["encoding"] == ENCODING
    return payload.metadata[KEY_ID].decode()


async def sealed(converter: DataConverter, value: str) -> Payload:
    [payload] = await converter.encode([value])
    return payload


def test_processes_starting_at_once_on_a_fresh_data_dir_agree_on_one_first_key(tmp_path: Path):
    script = (
        "import sys, hashlib; from pathlib import Path;"
        "from adapters.secrets.age_key import ensure_key;"
        "from adapters.secrets.sops import SopsSecretStore;"
        "from adapters.secrets.history_keys import StoreKeySource;"
        "d = Path(sys.argv[1]);"
        "keys = StoreKeySource(SopsSecretStore(d, ensure_key(d / 'age.key'))).load();"
        "digest = hashlib.sha256(keys.keys[keys.current]).hexdigest();"
        "print(keys.current, sorted(keys.keys), digest)"
    )
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "secrets")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[2],
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=60) for process in starts]
    assert all(process.returncode == 0 for process in starts), [err for _, err in outputs]
    lines = {out.decode().strip().splitlines()[-1] for out, _ in outputs}  # after any log line
    assert len(lines) == 1, lines
    assert lines.pop().startswith("HISTORY_KEY_1 ['HISTORY_KEY_1'] ")


async def test_history_sealed_before_a_rotation_still_decodes_after_it(tmp_path: Path):
    store = store_in(tmp_path / "secrets")
    before = history_converter(store)
    old = await sealed(before, IDEA)
    assert key_id_of(old) == "HISTORY_KEY_1" and IDEA.encode() not in old.SerializeToString()

    assert rotate_history_key(store) == "HISTORY_KEY_2"

    after = history_converter(store_in(tmp_path / "secrets"))  # a process started later
    new = await sealed(after, IDEA)
    assert key_id_of(new) == "HISTORY_KEY_2"
    assert await after.decode([old, new], [str, str]) == [IDEA, IDEA]


async def test_a_running_codec_takes_up_a_key_rotated_by_another_process(tmp_path: Path):
    running = EncryptionCodec(StoreKeySource(store_in(tmp_path / "secrets")), refresh_s=0.2)
    first = await running.encode([Payload(data=b"one")])
    assert key_id_of(first[0]) == "HISTORY_KEY_1"

    rotate_history_key(store_in(tmp_path / "secrets"))
    # Sealed elsewhere with a key the running codec has not loaded yet: decode asks the store.
    newer = await sealed(history_converter(store_in(tmp_path / "secrets")), IDEA)
    assert key_id_of(newer) == "HISTORY_KEY_2"
    [opened] = await running.decode([newer])
    assert IDEA.encode() in opened.data

    await asyncio.sleep(0.25)  # past its refresh time, new payloads use the new key
    assert key_id_of((await running.encode([Payload(data=b"two")]))[0]) == "HISTORY_KEY_2"


async def test_a_payload_under_a_key_nobody_holds_names_that_key(tmp_path: Path):
    elsewhere = store_in(tmp_path / "elsewhere")
    rotate_history_key(elsewhere)
    rotate_history_key(elsewhere)
    payload = await sealed(history_converter(elsewhere), IDEA)
    assert key_id_of(payload) == "HISTORY_KEY_3"

    ours = history_converter(store_in(tmp_path / "secrets"))
    with pytest.raises(UnknownHistoryKey, match="'HISTORY_KEY_3'"):
        await ours.decode([payload], [str])


async def test_a_tampered_or_relabelled_payload_does_not_decode(tmp_path: Path):
    store = store_in(tmp_path / "secrets")
    converter = history_converter(store)
    rotate_history_key(store)
    payload = await sealed(history_converter(store), IDEA)

    flipped = Payload(metadata=payload.metadata, data=payload.data[:-1] + b"\x00")
    relabelled = Payload(metadata={**payload.metadata, KEY_ID: b"HISTORY_KEY_1"}, data=payload.data)
    for bad in (flipped, relabelled):
        with pytest.raises(InvalidInput, match="does not decrypt"):
            await converter.decode([bad], [str])


async def test_payloads_written_without_the_codec_pass_through(tmp_path: Path):
    [plain] = await DataConverter.default.encode([IDEA])
    converter = history_converter(store_in(tmp_path / "secrets"))
    assert await converter.decode([plain], [str]) == [IDEA]


def test_a_wrong_age_key_stops_a_process_at_its_start_and_changes_nothing(tmp_path: Path):
    history_converter(store_in(tmp_path / "secrets"))  # the first key, under the right age key
    keyring_file = tmp_path / "secrets" / "_system.sops.json"
    before = keyring_file.read_bytes()
    wrong = tmp_path / "wrong.key"
    wrong.write_text(f"{pyrage.x25519.Identity.generate()}\n")

    with pytest.raises(SecretStoreUnavailable, match="cannot decrypt .*_system.sops.json"):
        history_converter(SopsSecretStore(tmp_path / "secrets", wrong))
    with pytest.raises(SecretStoreUnavailable, match="is missing"):
        history_converter(SopsSecretStore(tmp_path / "secrets", tmp_path / "gone.key"))
    assert keyring_file.read_bytes() == before


def test_a_keyring_must_hold_its_current_key():
    with pytest.raises(ValueError, match="HISTORY_KEY_2"):
        HistoryKeys(current="HISTORY_KEY_2", keys={"HISTORY_KEY_1": bytes(32)})
