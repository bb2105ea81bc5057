# SPDX-License-Identifier: Apache-2.0
"""fuma.call and the errors: the JSON command surface without a store."""

import pickle
import threading

import pytest

import fuma
from fuma import errors
from fuma._native import lib

# Every pinned status of fuma.h: its class and its stable name.
PINNED = [
    (-1, fuma.InternalError, "INTERNAL"),
    (-2, fuma.OutOfMemory, "OUT_OF_MEMORY"),
    (-3, fuma.InvalidArgument, "INVALID_ARGUMENT"),
    (-4, fuma.UnknownCommand, "UNKNOWN_COMMAND"),
    (-5, fuma.NotFound, "NOT_FOUND"),
    (-6, fuma.Forbidden, "FORBIDDEN"),
    (-7, fuma.Conflict, "CONFLICT"),
    (-8, fuma.InvalidState, "INVALID_STATE"),
    (-9, fuma.OnSiteOnly, "ON_SITE_ONLY"),
    (-10, fuma.MissingAttachments, "MISSING_ATTACHMENTS"),
    (-11, fuma.CredentialRevoked, "CREDENTIAL_REVOKED"),
    (-12, fuma.InvalidCode, "INVALID_CODE"),
    (-13, fuma.Exhausted, "EXHAUSTED"),
    (-14, fuma.StorageError, "STORAGE"),
    (-15, fuma.VersionError, "VERSION"),
    (-16, fuma.NotAnImage, "NOT_AN_IMAGE"),
    (-17, fuma.ImageTooLarge, "IMAGE_TOO_LARGE"),
    (-18, fuma.NoQrFound, "NO_QR_FOUND"),
    (-19, fuma.MultipleQr, "MULTIPLE_QR"),
    (-20, fuma.NotACredential, "NOT_A_CREDENTIAL"),
    (-21, fuma.CredentialMalformed, "CREDENTIAL_MALFORMED"),
    (-22, fuma.UnsupportedVersion, "UNSUPPORTED_VERSION"),
    (-23, fuma.UnknownKey, "UNKNOWN_KEY"),
    (-24, fuma.BadSignature, "BAD_SIGNATURE"),
    (-25, fuma.CredentialExpired, "CREDENTIAL_EXPIRED"),
    (-26, fuma.UnitRevoked, "UNIT_REVOKED"),
    (-27, fuma.CaptchaWrong, "CAPTCHA_WRONG"),
    (-28, fuma.CaptchaExpired, "CAPTCHA_EXPIRED"),
    (-29, fuma.TooManyAttempts, "TOO_MANY_ATTEMPTS"),
    (-30, fuma.SessionExpired, "SESSION_EXPIRED"),
    (-31, fuma.CommitmentRequired, "COMMITMENT_REQUIRED"),
    (-32, fuma.LoginFailed, "LOGIN_FAILED"),
    (-33, fuma.UnsupportedImageFormat, "UNSUPPORTED_IMAGE_FORMAT"),
    (-34, fuma.StoreUnavailable, "STORE_UNAVAILABLE"),
]


def unknown_command_error():
    with pytest.raises(fuma.UnknownCommand) as info:
        fuma.call("no.such.command")
    return info.value


# results


def test_call_returns_the_parsed_result():
    assert fuma.call("uscc.check", {"code": "91350100M000100Y43"})["valid"] is True


def test_result_is_a_dict_that_says_ok():
    result = fuma.call("fuma.version")
    assert isinstance(result, dict) and result["ok"] is True


def test_result_without_bytes_has_empty_data():
    result = fuma.call("fuma.version")
    assert isinstance(result, fuma.Result) and result.data == b""


def test_non_ascii_arguments_reach_the_library_as_utf8():
    assert fuma.call("uscc.check", {"code": "ＡＢ"})["detail"] == "expected 18 characters, got 2"


def test_version_command_agrees_with_package_version():
    assert fuma.call("fuma.version")["version"] == fuma.__version__


def test_abi_version_is_one():
    assert fuma.ABI_VERSION == 1 == fuma.call("fuma.version")["abi_version"]


def test_args_none_and_actor_are_accepted():
    assert fuma.call("fuma.version", None, actor={"system": True})["ok"]


@pytest.mark.parametrize("data", [b"abc", bytearray(b"abc"), memoryview(b"abc"), b""])
def test_bytes_like_data_is_accepted(data):
    assert fuma.call("fuma.version", data=data)["ok"]


def test_data_reaches_the_library_with_its_length():
    # The library refuses data over 64 MiB: only a length passed through
    # intact can trip that limit.
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.call("fuma.version", data=memoryview(bytearray(64 * 1024 * 1024 + 1)))
    assert "data is larger than" in info.value.detail


# wrong Python types never reach C


@pytest.mark.parametrize("call", [
    lambda: fuma.call(b"fuma.version"),
    lambda: fuma.call(None),
    lambda: fuma.call("uscc.check", [("code", "x")]),
    lambda: fuma.call("uscc.check", '{"code": "x"}'),
    lambda: fuma.call("fuma.version", actor="admin"),
    lambda: fuma.call("fuma.version", data="text"),
    lambda: fuma.call("fuma.version", data=12),
    lambda: fuma.call("uscc.check", {"code": object()}),
])
def test_wrong_python_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


def test_nan_argument_is_refused_before_the_library():
    with pytest.raises(ValueError) as info:
        fuma.call("uscc.check", {"code": float("nan")})
    assert not isinstance(info.value, fuma.Error)


def test_lone_surrogate_in_arguments_is_refused_before_the_library():
    with pytest.raises(UnicodeEncodeError):
        fuma.call("fuma.version", actor={"name": "\udc80"})


# errors


def test_unknown_command_raises_unknown_command():
    assert unknown_command_error().code == "UNKNOWN_COMMAND"


def test_error_carries_status_message_and_detail():
    err = unknown_command_error()
    assert (err.status, err.message, err.detail) == (
        -4, "不支持的操作", "unknown command 'no.such.command'")


def test_error_carries_the_library_json():
    assert '"code":"UNKNOWN_COMMAND"' in unknown_command_error().json


def test_error_reads_well_for_people_and_developers():
    assert str(unknown_command_error()) == (
        "不支持的操作 (UNKNOWN_COMMAND: unknown command 'no.such.command')")


def test_error_survives_pickling():
    err = pickle.loads(pickle.dumps(unknown_command_error()))
    assert (type(err), err.code, err.status, err.detail) == (
        fuma.UnknownCommand, "UNKNOWN_COMMAND", -4, "unknown command 'no.such.command'")


def test_argument_of_wrong_json_type_raises_invalid_argument():
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.call("uscc.check", {"code": 5})
    assert info.value.detail == "args.code must be a string"


def test_missing_argument_raises_invalid_argument():
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.call("uscc.check", {})
    assert info.value.code == "INVALID_ARGUMENT"


def test_unknown_argument_raises_invalid_argument():
    with pytest.raises(fuma.InvalidArgument) as info:
        fuma.call("uscc.check", {"code": "x", "cdoe": "y"})
    assert "cdoe" in info.value.detail


def test_invalid_argument_is_a_value_error():
    with pytest.raises(ValueError):
        fuma.call("uscc.check", {})


def test_every_library_error_is_a_fuma_error():
    with pytest.raises(fuma.Error):
        fuma.call("no.such.command")


@pytest.mark.parametrize("status,cls,name", PINNED)
def test_status_maps_to_its_class_and_the_library_name(status, cls, name):
    with pytest.raises(cls) as info:
        errors.check(status)
    assert (type(info.value), info.value.code, info.value.status) == (cls, name, status)


def test_every_status_the_library_names_is_pinned_here():
    # fuma_error_name() names each pinned status and says "UNKNOWN" past the
    # last: a code added to fuma.h without a class here fails this test.
    named = []
    status = -1
    while lib.fuma_error_name(status) != b"UNKNOWN":
        named.append((status, lib.fuma_error_name(status).decode("ascii")))
        status -= 1
    assert named == [(status, name) for status, _, name in PINNED]


def test_every_pinned_class_is_exported():
    assert {cls.__name__ for _, cls, _ in PINNED} <= set(fuma.__all__)


def test_status_unknown_to_the_package_raises_the_base_error():
    with pytest.raises(fuma.Error) as info:
        errors.check(-99)
    assert (type(info.value), info.value.code) == (fuma.Error, "UNKNOWN")


def test_success_status_passes_through():
    assert errors.check(0) == 0 and errors.check(3) == 3


def test_out_of_memory_is_a_memory_error():
    assert issubclass(fuma.OutOfMemory, MemoryError)


def test_not_found_is_a_lookup_error():
    assert issubclass(fuma.NotFound, LookupError)


def test_concurrent_failures_each_report_their_own_error():
    # fuma_error_last() is per thread: one thread's failure never describes
    # another's.
    wrong = []
    start = threading.Barrier(8)

    def fail(command, args, expected):
        start.wait()
        for _ in range(300):
            try:
                fuma.call(command, args)
            except fuma.Error as err:
                if err.code != expected:
                    wrong.append(err.code)

    threads = [threading.Thread(target=fail, args=case) for case in [
        ("no.such.command", None, "UNKNOWN_COMMAND"),
        ("uscc.check", {}, "INVALID_ARGUMENT")] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_guide_get_needs_no_engine_and_lists_the_six_businesses():
    guide = fuma.call("guide.get")["guide"]
    assert [g["label"] for g in guide] == ["申请初领", "申请变更", "申请补领", "证书延期",
                                           "申请换领", "申请撤销"]
    assert all(g["scope"] and g["contact"] for g in guide)
    with pytest.raises(fuma.InvalidArgument):
        fuma.call("guide.get", {"business": "merge"})
