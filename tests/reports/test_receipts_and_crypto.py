"""Reference codes (readable, 100 random bits, only a hash stored) and the encryption of reporters' e-mail."""

from __future__ import annotations

import hashlib
import stat

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from reportal import crypto
from reportal.reports.receipts import ALPHABET, LENGTH, new_reference, normalise_reference, reference_hash


def test_codes_are_grouped_unambiguous_and_distinct() -> None:
    codes = {new_reference() for _ in range(2000)}
    assert len(codes) == 2000
    assert LENGTH * 5 >= 80  # bits of randomness
    for code in list(codes)[:50]:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4] * 5
        assert set(code.replace("-", "")) <= set(ALPHABET)
        assert not set(code) & set("ILOU")


@pytest.mark.parametrize(
    "typed",
    ["7KQ2-M9XD-0B4T-HV3R-E8ZN", "7kq2m9xd0b4thv3re8zn", " 7KQ2 M9XD 0B4T HV3R E8ZN ", "7KQ2-M9XD-OB4T-HV3R-E8ZN"],
)
def test_codes_are_read_case_and_separator_blind(typed) -> None:
    assert normalise_reference(typed) == "7KQ2M9XD0B4THV3RE8ZN"
    assert reference_hash(typed) == hashlib.sha256(b"7KQ2M9XD0B4THV3RE8ZN").hexdigest()


def test_i_and_l_read_as_one() -> None:
    assert normalise_reference("IL00-0000-0000-0000-0000") == "11000000000000000000"


@pytest.mark.parametrize("typed", ["", "too-short", "7KQ2-M9XD-0B4T-HV3R-E8Z", "7KQ2-M9XD-0B4T-HV3R-E8ZNX", "UUUU" * 5])
def test_what_cannot_be_a_code(typed) -> None:
    assert normalise_reference(typed) is None and reference_hash(typed) is None


def test_encryption_round_trip_and_tokens_differ(settings) -> None:
    settings.REPORTAL_ENCRYPTION_KEY = Fernet.generate_key().decode()
    first, second = crypto.encrypt("me@mail.example"), crypto.encrypt("me@mail.example")
    assert first != second and "mail.example" not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == "me@mail.example"
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_key_rotation_keeps_old_tokens_readable(settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.REPORTAL_ENCRYPTION_KEY = old
    token = crypto.encrypt("me@mail.example")
    settings.REPORTAL_ENCRYPTION_KEY = f"{new},{old}"
    assert crypto.decrypt(token) == "me@mail.example"
    rotated = crypto.rotate(token)
    settings.REPORTAL_ENCRYPTION_KEY = new
    assert crypto.decrypt(rotated) == "me@mail.example"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token)


def test_demo_key_is_generated_once_and_private(settings, tmp_path) -> None:
    settings.REPORTAL_ENCRYPTION_KEY = ""
    settings.DATA_DIR = tmp_path
    token = crypto.encrypt("me@mail.example")
    key_file = tmp_path / crypto.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert crypto.decrypt(token) == "me@mail.example"
    assert Fernet(key_file.read_bytes()).decrypt(token.encode()) == b"me@mail.example"


def test_a_bad_key_is_refused_with_directions(settings) -> None:
    settings.REPORTAL_ENCRYPTION_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="Fernet"):
        crypto.encrypt("x")
