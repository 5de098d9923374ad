"""The IIN validator: checksum, birth date and sex agreement, and clear messages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.iin import birth_date_and_sex, make_iin, validate_iin, validate_iin_matches

birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
sexes = st.sampled_from(["M", "F"])
serials = st.integers(min_value=0, max_value=9999)


@st.composite
def valid_iins(draw) -> tuple[str, dt.date, str]:
    birth_date, sex = draw(birth_dates), draw(sexes)
    serial = draw(serials)
    iin = make_iin(birth_date, sex, serial)
    while iin is None:  # about one serial in eleven has no check digit
        serial = (serial + 1) % 10000
        iin = make_iin(birth_date, sex, serial)
    return iin, birth_date, sex


@given(valid_iins())
def test_generated_valid_iins_pass(sample):
    iin, birth_date, sex = sample
    validate_iin(iin)
    assert birth_date_and_sex(iin) == (birth_date, sex)
    assert validate_iin_matches(iin, birth_date=birth_date, sex=sex) == {}


def reference_is_valid(iin: str) -> bool:
    """The published check-digit rule, written out independently of core.iin."""
    digits = [int(c) for c in iin]
    remainder = sum(w * d for w, d in zip(range(1, 12), digits[:11], strict=True)) % 11
    if remainder == 10:
        remainder = sum(w * d for w, d in zip((3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), digits[:11], strict=True)) % 11
    return remainder != 10 and remainder == digits[11]


def change_digit(iin: str, position: int, delta: int) -> str:
    return iin[:position] + str((int(iin[position]) + delta) % 10) + iin[position + 1 :]


@given(valid_iins(), st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=9))
def test_a_changed_birth_date_or_sex_digit_always_fails(sample, position, delta):
    iin, birth_date, sex = sample
    changed = change_digit(iin, position, delta)
    # Either the number no longer validates, or it names another birth date or sex than the
    # person's record: both are refused when a child or applicant is saved.
    try:
        validate_iin(changed)
    except ValidationError:
        return
    assert validate_iin_matches(changed, birth_date=birth_date, sex=sex) != {}


@given(valid_iins(), st.integers(min_value=1, max_value=9))
def test_a_changed_check_digit_always_fails(sample, delta):
    with pytest.raises(ValidationError):
        validate_iin(change_digit(sample[0], 11, delta))


@given(valid_iins(), st.integers(min_value=7, max_value=10), st.integers(min_value=1, max_value=9))
def test_a_changed_serial_digit_fails_exactly_when_the_national_rule_says(sample, position, delta):
    changed = change_digit(sample[0], position, delta)
    try:
        validate_iin(changed)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == reference_is_valid(changed)


def test_the_national_rule_does_not_protect_the_eleventh_digit():
    # Weight 11 is 0 modulo 11, so in the (usual) first pass the 11th digit does not move the
    # check digit: a typo there cannot be caught by any validator that follows the standard.
    iin = make_iin(dt.date(2000, 1, 1), "M", 1)
    assert iin == "000101500011"
    validate_iin(change_digit(iin, 10, 1))  # 000101500021 passes the standard's own check


def test_known_valid_iin():
    # 12 digits computed by hand: 850217 3 0123 ? -> weights 1..11 give the check digit.
    iin = make_iin(dt.date(1985, 2, 17), "M", 123)
    assert iin is not None and iin.startswith("8502173")
    validate_iin(iin)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12345", "iin_format"),
        ("85021730123a", "iin_format"),
        ("850217701234", "iin_century"),
        ("851317301234", "iin_date"),
    ],
)
def test_malformed_iins_say_what_is_wrong(value, code):
    with pytest.raises(ValidationError) as info:
        validate_iin(value)
    assert info.value.code == code


def test_wrong_checksum_is_reported_as_such():
    iin = make_iin(dt.date(2015, 6, 1), "F", 42)
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    with pytest.raises(ValidationError) as info:
        validate_iin(wrong)
    assert info.value.code == "iin_checksum"
    assert "check digit" in info.value.messages[0]


def test_mismatched_birth_date_and_sex_are_reported_per_field():
    iin = make_iin(dt.date(2015, 6, 1), "F", 42)
    errors = validate_iin_matches(iin, birth_date=dt.date(2015, 6, 2), sex="M")
    assert set(errors) == {"birth_date", "sex"}
    assert "01.06.2015" in str(errors["birth_date"])  # as the pages write dates
