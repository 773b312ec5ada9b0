import base64
import hashlib
import re
from collections import Counter

import pytest

from accounts.passwords import (
    DIGITS,
    LOWER,
    SYMBOLS,
    UPPER,
    PasswordPolicy,
    password_generate,
    password_ldap_hash,
    password_ldap_verify,
)

LOOK_ALIKES = set("0Oo1lIi|")


def test_default_passwords_have_ten_characters_of_every_kind_and_no_look_alikes():
    samples = [password_generate() for _ in range(2_000)]
    for password in samples:
        assert len(password) == 10
        assert not LOOK_ALIKES & set(password)
        assert set(password) & set(LOWER)
        assert set(password) & set(UPPER)
        assert set(password) & set(DIGITS)
        assert not set(password) & set(SYMBOLS)


def test_every_allowed_character_is_used():
    # A generator stuck on part of its alphabet would make passwords easier to guess.
    seen = Counter("".join(password_generate() for _ in range(2_000)))
    assert set(seen) == set(LOWER + UPPER + DIGITS)


def test_a_policy_with_symbols_and_more_length_is_honoured():
    policy = PasswordPolicy(length=16, symbols=True)
    for _ in range(2_000):
        password = password_generate(policy)
        assert len(password) == 16
        assert set(password) & set(SYMBOLS)
        assert set(password) <= set(LOWER + UPPER + DIGITS + SYMBOLS)
        assert not LOOK_ALIKES & set(password)


def test_a_digits_only_policy_gives_pins():
    policy = PasswordPolicy(length=6, upper=False, lower=False)
    for _ in range(2_000):
        assert re.fullmatch(r"[2-9]{6}", password_generate(policy))


def test_no_password_has_a_look_alike_or_starts_a_spreadsheet_formula():
    alphabet = set(LOWER + UPPER + DIGITS + SYMBOLS)
    assert not LOOK_ALIKES & alphabet
    assert not set("=+-@'\" \\;,yzYZ") & alphabet


def test_the_policy_comes_from_the_settings(settings):
    settings.LERNSTATT_PASSWORD_LENGTH = 14
    settings.LERNSTATT_PASSWORD_SYMBOLS = True
    password = password_generate()
    assert len(password) == 14
    assert set(password) & set(SYMBOLS)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"length": 3, "symbols": True},
        {"length": 5},
        {"digits": False, "upper": False, "lower": False},
    ],
)
def test_an_impossible_policy_is_refused(kwargs):
    with pytest.raises(ValueError):
        PasswordPolicy(**kwargs)


def test_ten_thousand_passwords_are_all_different():
    assert len({password_generate() for _ in range(10_000)}) == 10_000


def test_ldap_hash_is_salted_sha1_that_recomputes_from_the_password():
    hashed = password_ldap_hash("Grüße-7Kx")
    assert hashed.startswith("{SSHA}")
    raw = base64.b64decode(hashed.removeprefix("{SSHA}"), validate=True)
    digest, salt = raw[:20], raw[20:]
    assert len(salt) == 8
    assert hashlib.sha1("Grüße-7Kx".encode() + salt).digest() == digest
    assert hashlib.sha1(b"something else" + salt).digest() != digest


def test_ldap_hash_is_different_each_time_for_the_same_password():
    assert password_ldap_hash("same") != password_ldap_hash("same")


def test_ldap_verify_accepts_the_password_only():
    hashed = password_ldap_hash("Ab3defgh")
    assert password_ldap_verify("Ab3defgh", hashed)
    assert not password_ldap_verify("ab3defgh", hashed)
    assert not password_ldap_verify("Ab3defgh", "{SSHA}not base64!")
    assert not password_ldap_verify("Ab3defgh", "{SHA}" + hashed.removeprefix("{SSHA}"))


def test_ldap_verify_reads_a_hash_made_by_openldaps_slappasswd():
    # slappasswd -h '{SSHA}' -s 'Grüße-7Kx' (OpenLDAP 2.5, 4-byte salt)
    assert password_ldap_verify("Grüße-7Kx", "{SSHA}gX6J8AnUcEkNFSTNJIiANQQMMsEbuOyZ")
    assert not password_ldap_verify("Grüsse-7Kx", "{SSHA}gX6J8AnUcEkNFSTNJIiANQQMMsEbuOyZ")
