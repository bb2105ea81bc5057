# SPDX-License-Identifier: Apache-2.0
"""fuma.uscc: checking, explaining and allocating Unified Social Credit Codes."""

import threading

import pytest

import fuma
from fuma import uscc

VALID = "91350100M000100Y43"  # 工商 / 企业 / 福州市

# One code per reason, each wrong in exactly the way its reason names, with
# the 1-based position the library blames (None where none applies).
INVALID = [
    ("", "EMPTY", None),
    (" \t\r\n ", "EMPTY", None),
    ("9135010", "LENGTH", None),
    (VALID + "3", "LENGTH", None),
    ("91350100M000100Y4I", "CHARSET", 18),  # I is not in the alphabet
    ("91350100Ｍ000100Y43", "CHARSET", 9),  # full-width M, one character
    ("Ａ1350100M000100Y43", "CHARSET", 1),  # full-width A
    ("91350100M\x0000100Y43", "CHARSET", 10),  # NUL byte
    ("91350100M 00100Y43", "CHARSET", 10),  # inner space is not trimmed
    ("01350100M000100Y43", "AUTHORITY", 1),
    ("95350100M000100Y43", "CATEGORY", 2),  # 工商 has no category 5
    ("91111111M000100Y43", "DIVISION", 3),  # not a GB/T 2260 code
    ("9135A100M000100Y43", "DIVISION", 5),  # a letter in the division
    ("11440300MB2C92067X", "ORG_CHECK", 17),
    ("91350100M000100Y4X", "CHECK", 18),
]


def test_known_valid_code_is_valid():
    assert uscc.is_valid(VALID)


def test_check_of_valid_code_is_ok_with_no_reason():
    c = uscc.check(VALID)
    assert (c.ok, c.reason, c.message, c.detail, c.position) == (True, None, None, None, None)


def test_check_of_valid_code_names_its_parts():
    parts = uscc.check(VALID).parts
    assert (parts.authority, parts.authority_name, parts.category, parts.category_name,
            parts.division, parts.division_name, parts.province, parts.org_code,
            parts.check) == ("9", "工商", "1", "企业", "350100", "福州市", "福建省",
                             "M000100Y4", "3")


def test_check_keeps_the_whole_result_in_raw():
    assert uscc.check(VALID).raw["parts"]["division"]["abolished"] is False


@pytest.mark.parametrize("code,reason,position", INVALID)
def test_check_gives_the_reason_and_position(code, reason, position):
    c = uscc.check(code)
    assert (c.ok, c.reason, c.position) == (False, reason, position)


@pytest.mark.parametrize("code,reason,position", INVALID)
def test_is_valid_rejects_each_invalid_code(code, reason, position):
    assert not uscc.is_valid(code)


@pytest.mark.parametrize("code,reason,position", INVALID)
def test_validate_fast_path_agrees_with_check(code, reason, position):
    assert uscc.validate(code) == reason


@pytest.mark.parametrize("code,reason,position", INVALID)
def test_invalid_code_is_explained_for_people_and_developers(code, reason, position):
    c = uscc.check(code)
    assert c.message and c.detail and c.message != c.detail


def test_full_width_letter_is_explained_as_full_width():
    c = uscc.check("91350100Ｍ000100Y43")
    assert "全角" in c.message and "U+FF2D" in c.detail


def test_validate_of_valid_code_is_none():
    assert uscc.validate(VALID) is None


def test_lowercase_and_surrounding_whitespace_are_normalised():
    c = uscc.check(" \t91350100m000100y43\r\n")
    assert (c.ok, c.code) == (True, VALID)


def test_normalised_code_carries_the_normalized_warning():
    assert uscc.check(VALID.lower()).warnings == ("NORMALIZED",)


def test_code_already_normal_has_no_warning():
    assert uscc.check(VALID).warnings == ()


def test_is_valid_normalises_like_check():
    assert uscc.is_valid("\n" + VALID.lower() + " ")


def test_ten_megabyte_input_is_a_length_error():
    huge = "9" * (10 * 1024 * 1024)
    c = uscc.check(huge)
    assert (c.reason, c.detail) == ("LENGTH", "expected 18 characters, got %d" % len(huge))


def test_ten_megabyte_input_is_invalid_on_the_fast_path():
    assert uscc.validate(b"9" * (10 * 1024 * 1024)) == "LENGTH"


def test_bytes_are_accepted_as_utf8():
    assert uscc.is_valid(VALID.encode()) and uscc.check(VALID.encode()).ok


def test_undecodable_byte_is_one_invalid_character():
    code = b"91\xff350100M000100Y4"  # 18 units, the third not UTF-8
    assert (uscc.check(code).reason, uscc.check(code).position) == ("CHARSET", 3)


def test_undecodable_byte_is_charset_on_the_fast_path():
    assert uscc.validate(b"91\xff350100M000100Y4") == "CHARSET"


def test_lone_surrogate_is_one_invalid_character():
    code = "9135\ud800100M000100Y43"
    assert (uscc.check(code).reason, uscc.check(code).position) == ("CHARSET", 5)


def test_lone_surrogate_is_charset_on_the_fast_path():
    assert uscc.validate("9135\ud800100M000100Y43") == "CHARSET"


@pytest.mark.parametrize("code", [None, 91350100, bytearray(b"x"), ["9"]])
def test_code_of_another_type_is_a_type_error(code):
    with pytest.raises(TypeError):
        uscc.is_valid(code)


@pytest.mark.parametrize("code", [None, 91350100])
def test_check_of_another_type_is_a_type_error(code):
    with pytest.raises(TypeError):
        uscc.check(code)


def test_reason_name_maps_numbers_to_stable_names():
    assert [uscc.reason_name(n) for n in range(9)] == [
        "VALID", "EMPTY", "LENGTH", "CHARSET", "AUTHORITY", "CATEGORY", "DIVISION",
        "ORG_CHECK", "CHECK"]


def test_reason_name_of_unknown_number_is_unknown():
    assert uscc.reason_name(99) == "UNKNOWN"


def test_reason_message_is_a_chinese_sentence():
    assert "校验码" in uscc.reason_message(8)


def test_reason_number_beyond_c_int_is_refused():
    with pytest.raises(ValueError):
        uscc.reason_name(2**32 + 3)


# allocate


def test_allocated_code_is_valid():
    assert uscc.is_valid(uscc.allocate(category="1", division="440300", serial=7))


def test_allocated_code_round_trips_through_check():
    parts = uscc.check(uscc.allocate(category="3", division="440300", serial=12)).parts
    assert (parts.authority, parts.category, parts.division) == ("1", "3", "440300")


def test_allocated_code_starts_its_organisation_code_with_the_segment():
    code = uscc.allocate(category="1", division="440300", segment="MB2", serial=5)
    assert code[8:16] == "MB200005"


def test_distinct_serials_give_distinct_valid_codes():
    codes = {uscc.allocate(category="1", division="110000", serial=n) for n in range(200)}
    assert len(codes) == 200 and all(uscc.is_valid(c) for c in codes)


def test_allocate_for_another_authority():
    code = uscc.allocate(authority="5", category="1", division="440300", serial=1)
    assert uscc.check(code).parts.authority_name == "民政"


def test_last_serial_of_a_segment_is_allocated():
    assert uscc.is_valid(uscc.allocate(category="1", division="440300",
                                       segment="1234567", serial=9))


def test_serial_beyond_the_segment_is_exhausted():
    with pytest.raises(fuma.Exhausted) as info:
        uscc.allocate(category="1", division="440300", segment="1234567", serial=10)
    assert info.value.code == "EXHAUSTED"


def test_serial_beyond_eight_digits_is_exhausted():
    with pytest.raises(fuma.Exhausted):
        uscc.allocate(category="1", division="440300", serial=10**8)


@pytest.mark.parametrize("changes", [
    {"division": "111111"},  # not GB/T 2260
    {"category": "8"},  # 机构编制 has no category 8
    {"authority": "0"},
    {"authority": "12"},  # not one character
    {"segment": "ABCDEFGH"},  # longer than 7
    {"segment": "IO"},  # outside the alphabet
    {"serial": -1},
    {"serial": 2**64},
])
def test_allocate_refuses_bad_values_with_invalid_argument(changes):
    args = dict(category="1", division="440300", serial=1)
    args.update(changes)
    with pytest.raises(fuma.InvalidArgument):
        uscc.allocate(**args)


@pytest.mark.parametrize("changes", [
    {"serial": "1"}, {"serial": True}, {"serial": 1.0}, {"division": 440300},
    {"category": 1}, {"segment": None},
])
def test_allocate_refuses_wrong_types_with_type_error(changes):
    args = dict(category="1", division="440300", serial=1)
    args.update(changes)
    with pytest.raises(TypeError):
        uscc.allocate(**args)


# threads


def test_concurrent_checks_give_correct_verdicts():
    cases = [(VALID, None)] + [(code, reason) for code, reason, _ in INVALID]
    failures = []
    start = threading.Barrier(16)

    def work(offset):
        start.wait()
        for i in range(300):
            code, reason = cases[(offset + i) % len(cases)]
            if uscc.is_valid(code) != (reason is None):
                failures.append(("is_valid", code))
            if uscc.check(code).reason != reason:
                failures.append(("check", code))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
