"""The keyed hash is HMAC-SHA256 under the lookup key, whatever shortcut computes it; encryption round-trips."""

import base64
import hashlib
import hmac
import os

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from zyparty import crypto


@hsettings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_digest_is_hmac_sha256_of_the_value(value):
    _aead, mac = crypto._keys(crypto.settings.DATA_KEY)
    assert crypto.digest(value) == hmac.new(mac, value.encode(), hashlib.sha256).hexdigest()


@hsettings(max_examples=100, deadline=None)
@given(st.text(max_size=100))
def test_the_loop_helpers_agree_with_encrypt_and_digest(value):
    assert crypto.digester()(value) == crypto.digest(value)
    token = crypto.encrypter()(value)
    assert (token == value) if not value else (token != value and crypto.decrypt(token) == value)


def test_the_loop_encrypter_never_repeats_a_nonce():
    seal = crypto.encrypter()
    nonces = {base64.b64decode(seal("13912345678")[len(crypto.PREFIX):])[:12] for _ in range(2000)}
    assert len(nonces) == 2000


@hsettings(max_examples=100, deadline=None)
@given(st.lists(st.none() | st.text(max_size=30), max_size=20))
def test_encrypt_all_agrees_with_encrypt(values):
    sealed = crypto.encrypt_all(values)
    assert [crypto.decrypt(token) for token in sealed] == values
    assert all(token == value for token, value in zip(sealed, values) if not value)


def test_encrypt_all_never_repeats_a_nonce_within_or_across_calls():
    tokens = crypto.encrypt_all(["13912345678"] * 2000) + crypto.encrypt_all(["13912345678"] * 2000)
    assert len({base64.b64decode(token[len(crypto.PREFIX):])[:12] for token in tokens}) == 4000


def test_digest_depends_on_the_key(settings):
    before = crypto.digest("610924199001011233")
    settings.DATA_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
    assert crypto.digest("610924199001011233") != before
    assert crypto.digest("") == ""


@pytest.mark.parametrize("value", ["13912345678", "家中有留守儿童两名", "x" * 500])
def test_encryption_round_trips(value):
    token = crypto.encrypt(value)
    assert token != value and crypto.decrypt(token) == value
