# SPDX-License-Identifier: Apache-2.0
"""The Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

:func:`is_valid` and :func:`validate` use the library's typed fast path and
suit bulk checks; :func:`check` explains a verdict, for people and for
developers, and names the code's parts. All of them accept a str or UTF-8
bytes and are safe to call from any number of threads.

Normalisation (fuma.h): surrounding ASCII whitespace is removed and ASCII
lowercase letters are uppercased; nothing else. A full-width letter, an inner
space or any other Unicode makes a code invalid with reason ``"CHARSET"``.

A str holding a lone surrogate (``"\\ud800"``, not encodable as UTF-8) and
bytes that are not valid UTF-8 are invalid codes, not errors: each such
character or byte counts as one character outside the alphabet, so the
verdict is ``"CHARSET"`` at its position, as the library gives for raw bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple, cast

from ._native import lib
from . import results
from .engine import call
from .errors import check as _check_status

__all__ = [
    "Check",
    "Parts",
    "check",
    "is_valid",
    "validate",
    "allocate",
    "reason_name",
    "reason_message",
]

_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(code: str | bytes) -> str:
    """``code`` as a str that encodes to UTF-8; TypeError if not str/bytes."""
    if isinstance(code, bytes):
        # surrogateescape keeps one surrogate per undecodable byte, which
        # then becomes one U+FFFD: the library also counts such bytes singly.
        code = code.decode("utf-8", "surrogateescape")
    elif not isinstance(code, str):
        raise TypeError("a code is a str or bytes, not %s" % type(code).__name__)
    return _SURROGATE.sub("\ufffd", code)


def _reason(code: str | bytes) -> int:
    raw = code if isinstance(code, bytes) else _text(code).encode("utf-8")
    return _check_status(lib.fuma_uscc_validate(raw, len(raw)))


@dataclass(frozen=True)
class Parts:
    """The parts of a code as far as they could be read, with their meanings.

    A name is None where the code carries no known meaning (for instance a
    division code that is not in GB/T 2260).
    """

    authority: str  # registration-authority code, "1"
    authority_name: Optional[str]  # "机构编制"
    category: str  # "1"
    category_name: Optional[str]  # "机关"
    division: str  # GB/T 2260 code, "440300"
    division_name: Optional[str]  # "深圳市"
    province: Optional[str]  # "广东省"
    org_code: str  # GB 11714 organisation code with its check character
    check: str  # the final check character

    @classmethod
    def _from_json(cls, parts: results.UsccCheckResultParts) -> Parts:
        authority, category, division = (parts["authority"], parts["category"],
                                         parts["division"])
        # A division outside GB/T 2260 has a code only.
        province = division.get("province")
        return cls(authority["code"], authority["name"], category["code"],
                   category["name"], division["code"], division.get("name"),
                   province if isinstance(province, str) and province else None,
                   parts["org_code"], parts["check"])


@dataclass(frozen=True)
class Check:
    """The verdict on one code, as the ``uscc.check`` command gives it.

    Attributes:
        ok: True when the code is valid.
        reason: None when valid, else the stable name of why not: "EMPTY",
            "LENGTH", "CHARSET", "AUTHORITY", "CATEGORY", "DIVISION",
            "ORG_CHECK" or "CHECK".
        code: the normalised code (what to store), None when it could not
            be read as 18 characters.
        message: what is wrong, in Chinese, for people; None when valid.
        detail: what is wrong, in English, for developers; None when valid.
        position: the 1-based character at fault, None when none applies.
        parts: :class:`Parts`, None when the code could not be split.
        warnings: stable names of things true of the code that a clerk
            should know, e.g. "NORMALIZED", "ABOLISHED_DIVISION".
        raw: the command's whole JSON result, for what the fields omit
            (a division's history, its years).
    """

    ok: bool
    reason: Optional[str]
    code: Optional[str]
    message: Optional[str]
    detail: Optional[str]
    position: Optional[int]
    parts: Optional[Parts]
    warnings: Tuple[str, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


def check(code: str | bytes) -> Check:
    """Check ``code`` (str or bytes) and explain the verdict: a :class:`Check`."""
    r = cast(results.UsccCheckResult, call("uscc.check", {"code": _text(code)}))
    return Check(
        ok=r["valid"],
        reason=r["reason"],
        code=r["code"],
        message=r["message"],
        detail=r["detail"],
        position=r["position"],
        parts=Parts._from_json(r["parts"]) if r["parts"] else None,
        warnings=tuple(r["warnings"]),
        raw=dict(r),
    )


def is_valid(code: str | bytes) -> bool:
    """True when ``code`` (str or bytes) is a valid USCC. Never allocates in C."""
    return _reason(code) == 0


def validate(code: str | bytes) -> str | None:
    """None when ``code`` is valid, else the stable name of the reason."""
    reason = _reason(code)
    return None if reason == 0 else reason_name(reason)


def allocate(*, category: str, division: str, serial: int, authority: str = "1",
             segment: str = "") -> str:
    """Compose a new code for on-site initial registration (申请初领).

    Args:
        category: the category character for that authority, e.g. "1" (机关).
        division: the registration authority's 6-digit GB/T 2260 code.
        serial: the authority's next serial within ``segment``, an int >= 0.
        authority: the registration-authority character, "1" (机构编制).
        segment: the organisation-code prefix reserved for the authority,
            0-7 characters of the code alphabet.

    Returns the 18-character code. Distinct serials give distinct codes.
    Raises :class:`fuma.InvalidArgument` for a bad authority, category,
    division, segment or a negative serial, and :class:`fuma.Exhausted` when
    ``serial`` does not fit the positions the segment leaves.
    """
    for name, value in (("authority", authority), ("category", category),
                        ("division", division), ("segment", segment)):
        if not isinstance(value, str):
            raise TypeError("%s must be a str, not %s" % (name, type(value).__name__))
    if isinstance(serial, bool) or not isinstance(serial, int):
        raise TypeError("serial must be an int, not %s" % type(serial).__name__)
    args = {"authority": authority, "category": category, "division": division,
            "segment": segment, "serial": serial}
    return cast(results.UsccAllocateResult, call("uscc.allocate", args))["code"]


def reason_name(reason: int) -> str:
    """The stable name of a reason number (``3`` → ``"CHARSET"``)."""
    name: bytes = lib.fuma_uscc_reason_name(_number(reason))
    return name.decode("utf-8")


def reason_message(reason: int) -> str:
    """A Chinese sentence explaining a reason number in general."""
    message: bytes = lib.fuma_uscc_reason_message(_number(reason))
    return message.decode("utf-8")


def _number(reason: int) -> int:
    if isinstance(reason, bool) or not isinstance(reason, int):
        raise TypeError("a reason is an int, not %s" % type(reason).__name__)
    if not -2**31 <= reason < 2**31:
        raise ValueError("reason %d is outside the range of a C int" % reason)
    return reason
