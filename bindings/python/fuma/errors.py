# SPDX-License-Identifier: Apache-2.0
"""The exceptions fuma raises, one class per pinned status code of fuma.h.

Every failure inside the library reaches Python through :func:`check`, which
reads ``fuma_error_last()`` on the calling thread and raises the matching
subclass of :class:`Error`. A status code this package does not know (from a
newer library of the same ABI) raises the base :class:`Error`, so
``except fuma.Error`` catches everything the library reports.
"""

from __future__ import annotations

import json as _json
from typing import Any, NoReturn

from ._native import lib

__all__ = [
    "Error",
    "InternalError",
    "OutOfMemory",
    "InvalidArgument",
    "UnknownCommand",
    "NotFound",
    "Forbidden",
    "Conflict",
    "InvalidState",
    "OnSiteOnly",
    "MissingAttachments",
    "CredentialRevoked",
    "InvalidCode",
    "Exhausted",
    "StorageError",
    "VersionError",
    "NotAnImage",
    "ImageTooLarge",
    "NoQrFound",
    "MultipleQr",
    "NotACredential",
    "CredentialMalformed",
    "UnsupportedVersion",
    "UnknownKey",
    "BadSignature",
    "CredentialExpired",
    "UnitRevoked",
    "CaptchaWrong",
    "CaptchaExpired",
    "TooManyAttempts",
    "SessionExpired",
    "CommitmentRequired",
    "LoginFailed",
    "UnsupportedImageFormat",
    "StoreUnavailable",
    "check",
]


class Error(Exception):
    """An error reported by libfuma.

    Attributes:
        code: the stable name of the status, e.g. ``"ON_SITE_ONLY"``; what to
            compare against in programs and what JSON results carry.
        status: the pinned negative status number, e.g. ``-9``.
        message: for people, in Chinese, e.g. ``"需要现场办理"``.
        detail: for developers, in English; may be empty.
        json: the whole error as the library's JSON text
            ``{"ok": false, "error": {...}}``, for hosts that pass it on.

    ``str(err)`` gives the message followed by the code and the detail.
    """

    code: str
    status: int
    message: str
    detail: str
    json: str | None

    def __init__(self, code: str, status: int, message: str, detail: str = "",
                 json: str | None = None) -> None:
        # Everything goes into args so that exceptions pickle (for
        # multiprocessing) and repr() shows what was raised.
        super().__init__(code, status, message, detail, json)
        self.code = code
        self.status = status
        self.message = message
        self.detail = detail
        self.json = json

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Each problem the library listed, as dicts with ``field`` and
        ``message`` (and ``kind``, ``label`` for a missing attachment): every
        field problem of a submit at once. Empty when there are none."""
        if not self.json:
            return []
        problems: list[dict[str, Any]] = (_json.loads(self.json).get("error", {})
                                          .get("problems", []))
        return problems

    def __str__(self) -> str:
        tail = "%s: %s" % (self.code, self.detail) if self.detail else self.code
        return "%s (%s)" % (self.message, tail) if self.message else tail


class InternalError(Error):
    """INTERNAL (-1): a bug or an unexpected failure inside the library."""


class OutOfMemory(Error, MemoryError):
    """OUT_OF_MEMORY (-2); also a :class:`MemoryError`."""


class InvalidArgument(Error, ValueError):
    """INVALID_ARGUMENT (-3): bad JSON, a missing or unknown field, a bad
    value; also a :class:`ValueError`."""


class UnknownCommand(Error):
    """UNKNOWN_COMMAND (-4): no command has that name."""


class NotFound(Error, LookupError):
    """NOT_FOUND (-5): no such record; also a :class:`LookupError`."""


class Forbidden(Error):
    """FORBIDDEN (-6): the actor may not do this."""


class Conflict(Error):
    """CONFLICT (-7): a stale version or a duplicate."""


class InvalidState(Error):
    """INVALID_STATE (-8): not allowed at the application's current status."""


class OnSiteOnly(Error):
    """ON_SITE_ONLY (-9): 需要现场办理, the business is done at the window."""


class MissingAttachments(Error):
    """MISSING_ATTACHMENTS (-10): required attachments are not uploaded."""


class CredentialRevoked(Error):
    """CREDENTIAL_REVOKED (-11): the login QR image is no longer valid."""


class InvalidCode(Error):
    """INVALID_CODE (-12): a USCC that fails its checks."""


class Exhausted(Error):
    """EXHAUSTED (-13): no code left in a serial range."""


class StorageError(Error):
    """STORAGE (-14): the database failed, is corrupt or is not fuma's."""


class VersionError(Error):
    """VERSION (-15): the data was written by a newer fuma."""


class NotAnImage(Error):
    """NOT_AN_IMAGE (-16): the uploaded bytes are no picture, or a damaged one."""


class ImageTooLarge(Error):
    """IMAGE_TOO_LARGE (-17): the picture's file or pixel count is over the limits."""


class NoQrFound(Error):
    """NO_QR_FOUND (-18): no QR code was found in the picture."""


class MultipleQr(Error):
    """MULTIPLE_QR (-19): the picture holds more than one credential."""


class NotACredential(Error):
    """NOT_A_CREDENTIAL (-20): the QR code is not a fuma login credential."""


class CredentialMalformed(Error):
    """CREDENTIAL_MALFORMED (-21): a fuma credential whose text is damaged or truncated."""


class UnsupportedVersion(Error):
    """UNSUPPORTED_VERSION (-22): a credential format this library does not read."""


class UnknownKey(Error):
    """UNKNOWN_KEY (-23): the credential's signing key is unknown or retired."""


class BadSignature(Error):
    """BAD_SIGNATURE (-24): the credential's signature does not verify."""


class CredentialExpired(Error):
    """CREDENTIAL_EXPIRED (-25): the credential is past its expiry."""


class UnitRevoked(Error):
    """UNIT_REVOKED (-26): the unit's code is revoked."""


class CaptchaWrong(Error):
    """CAPTCHA_WRONG (-27): the captcha answer is wrong."""


class CaptchaExpired(Error):
    """CAPTCHA_EXPIRED (-28): the captcha is unknown, used or expired."""


class TooManyAttempts(Error):
    """TOO_MANY_ATTEMPTS (-29): too many failed logins or captchas, or too many
    pictures being decoded at once: wait before trying again."""


class SessionExpired(Error):
    """SESSION_EXPIRED (-30): the session token names no open session."""


class CommitmentRequired(Error):
    """COMMITMENT_REQUIRED (-31): 登录承诺 must be accepted (session.commit) first."""


class LoginFailed(Error):
    """LOGIN_FAILED (-32): a staff username or password is wrong."""


class UnsupportedImageFormat(Error):
    """UNSUPPORTED_IMAGE_FORMAT (-33): a picture in a format fuma does not read (TIFF, HEIC...)."""


class StoreUnavailable(Error):
    """STORE_UNAVAILABLE (-34): the store cannot be reached now (its database server is down
    or restarting); nothing was changed, try again shortly."""


_BY_STATUS: dict[int, type[Error]] = {
    -1: InternalError,
    -2: OutOfMemory,
    -3: InvalidArgument,
    -4: UnknownCommand,
    -5: NotFound,
    -6: Forbidden,
    -7: Conflict,
    -8: InvalidState,
    -9: OnSiteOnly,
    -10: MissingAttachments,
    -11: CredentialRevoked,
    -12: InvalidCode,
    -13: Exhausted,
    -14: StorageError,
    -15: VersionError,
    -16: NotAnImage,
    -17: ImageTooLarge,
    -18: NoQrFound,
    -19: MultipleQr,
    -20: NotACredential,
    -21: CredentialMalformed,
    -22: UnsupportedVersion,
    -23: UnknownKey,
    -24: BadSignature,
    -25: CredentialExpired,
    -26: UnitRevoked,
    -27: CaptchaWrong,
    -28: CaptchaExpired,
    -29: TooManyAttempts,
    -30: SessionExpired,
    -31: CommitmentRequired,
    -32: LoginFailed,
    -33: UnsupportedImageFormat,
    -34: StoreUnavailable,
}


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def check(status: int) -> int:
    """Return ``status`` when it is not negative; otherwise raise its error.

    Must run right after the failed call, on the same thread and before any
    other fuma call: that is how long ``fuma_error_last()`` describes it.
    """
    if status >= 0:
        return status
    cls = _BY_STATUS.get(status, Error)
    last = lib.fuma_error_last()
    if last and last.contents.code == status:
        err = last.contents
        raise cls(_text(err.name), status, _text(err.message), _text(err.detail),
                  _text(err.json) or None)
    # The library set no description (it always should): still say which
    # status it was, by its stable name.
    raise cls(_text(lib.fuma_error_name(status)), status, "",
              "libfuma returned %d without describing the error" % status)
