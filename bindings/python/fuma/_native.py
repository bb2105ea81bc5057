# SPDX-License-Identifier: Apache-2.0
"""Loading libfuma and declaring the C functions this package calls.

The library is looked for, in this order:

1. the path in the environment variable ``FUMA_LIBRARY`` (when set, nothing
   else is tried: an explicit choice that fails is an error, not a hint);
2. ``libfuma.so.1`` or ``libfuma.so`` inside this package's directory, where
   a distribution may put it (``pip install`` puts nothing there);
3. the system loader: ``libfuma.so.1`` (the soname of ABI 1), which finds
   what ``cmake --install`` put in /usr/local/lib or /usr/lib/<multiarch>;
4. ``libfuma.so.1`` in the directory pkg-config gives as fuma's ``libdir``:
   the fuma installed under another prefix (/opt/fuma, with
   ``PKG_CONFIG_PATH`` naming its ``lib/pkgconfig``, as building C programs
   against it needs anyway);
5. whatever ``ctypes.util.find_library("fuma")`` names.

The library found must speak the ABI this package was written for; anything
else is refused at import with an ImportError.

Every function is declared with argtypes and restype, so ctypes converts and
checks arguments instead of guessing. ctypes releases the GIL around each
call, and fuma's handle-free functions are safe from any thread (fuma.h,
convention 5).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any
from ctypes import POINTER, c_char_p, c_int, c_size_t, c_void_p

#: The ABI version (libfuma's SOVERSION) this package was written for.
ABI_VERSION = 1

_SONAME = "libfuma.so.%d" % ABI_VERSION
_NEXT_TO_PACKAGE = (_SONAME, "libfuma.so")


class fuma_error(ctypes.Structure):
    """``struct fuma_error``; every string is borrowed from the library."""

    _fields_ = [
        ("code", c_int),
        ("name", c_char_p),
        ("message", c_char_p),
        ("detail", c_char_p),
        ("json", c_char_p),
    ]


class fuma_options(ctypes.Structure):
    """Opaque ``struct fuma_options``; only pointers to it exist."""


class fuma_engine(ctypes.Structure):
    """Opaque ``struct fuma_engine``; only pointers to it exist."""


class fuma_result(ctypes.Structure):
    """Opaque ``struct fuma_result``; only pointers to it exist."""


options_p = POINTER(fuma_options)
engine_p = POINTER(fuma_engine)
result_p = POINTER(fuma_result)

# name: (restype, argtypes). Strings the library returns are read as
# c_void_p when they come with a length, so ctypes cannot stop at a NUL.
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    "fuma_error_last": (POINTER(fuma_error), []),
    "fuma_error_name": (c_char_p, [c_int]),
    "fuma_version": (c_char_p, []),
    "fuma_abi_version": (c_int, []),
    "fuma_uscc_validate": (c_int, [c_char_p, c_size_t]),
    "fuma_uscc_reason_name": (c_char_p, [c_int]),
    "fuma_uscc_reason_message": (c_char_p, [c_int]),
    "fuma_options_new": (c_int, [POINTER(options_p)]),
    "fuma_options_free": (None, [options_p]),
    "fuma_options_set": (c_int, [options_p, c_char_p, c_char_p]),
    "fuma_engine_open": (c_int, [POINTER(engine_p), c_char_p, options_p]),
    "fuma_engine_close": (None, [engine_p]),
    "fuma_call": (c_int, [POINTER(result_p), engine_p, c_char_p, c_size_t, c_void_p, c_size_t]),
    "fuma_result_json": (c_void_p, [result_p, POINTER(c_size_t)]),
    "fuma_result_data": (c_void_p, [result_p, POINTER(c_size_t)]),
    "fuma_result_free": (None, [result_p]),
}


def _pkg_config_libdir() -> str:
    """fuma.pc's libdir, or "" when pkg-config or fuma.pc is not there."""
    program = shutil.which("pkg-config") or shutil.which("pkgconf")
    if program is None:
        return ""
    try:
        done = subprocess.run([program, "--variable=libdir", "fuma"], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _candidates() -> Iterator[tuple[str, str]]:
    """Yield (how it was found, what to pass to CDLL) in discovery order."""
    explicit = os.environ.get("FUMA_LIBRARY")
    if explicit:
        # Absolute, so that the loader opens this file and does not search.
        yield "FUMA_LIBRARY", os.path.abspath(explicit)
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _NEXT_TO_PACKAGE:
        path = os.path.join(here, name)
        if os.path.exists(path):
            yield "package directory", path
    yield "system loader", _SONAME
    libdir = _pkg_config_libdir()
    if libdir:
        yield "pkg-config", os.path.join(libdir, _SONAME)
    found = ctypes.util.find_library("fuma")
    if found and found != _SONAME:
        yield "system loader", found


def _load() -> tuple[ctypes.CDLL, str]:
    tried = []
    for how, name in _candidates():
        if how == "FUMA_LIBRARY" and not os.path.exists(name):
            raise ImportError(
                "fuma: FUMA_LIBRARY is set to %r, but no such file exists; "
                "point it at libfuma.so.%d or unset it" % (name, ABI_VERSION)
            )
        try:
            return ctypes.CDLL(name), name
        except OSError as exc:
            if how == "FUMA_LIBRARY":
                raise ImportError(
                    "fuma: cannot load FUMA_LIBRARY=%r: %s" % (name, exc)
                ) from exc
            tried.append("%s (%s): %s" % (name, how, exc))
    raise ImportError(
        "fuma: cannot find the C library libfuma.so.%d. Set FUMA_LIBRARY to its "
        "path, install it where the system loader looks (then run ldconfig), or "
        "set PKG_CONFIG_PATH to its lib/pkgconfig. Tried: %s"
        % (ABI_VERSION, "; ".join(tried))
    )


def _declare(cdll: ctypes.CDLL, path: str) -> None:
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            raise ImportError(
                "fuma: %s does not export %s(); it is not a libfuma of ABI %d"
                % (path, name, ABI_VERSION)
            ) from None
        fn.restype = restype
        fn.argtypes = argtypes


def _check_abi(cdll: ctypes.CDLL, path: str) -> None:
    # Declared alone first: a foreign library may lack the rest.
    try:
        abi = cdll.fuma_abi_version
    except AttributeError:
        raise ImportError(
            "fuma: %s does not export fuma_abi_version(); it is not libfuma" % path
        ) from None
    abi.restype, abi.argtypes = c_int, []
    found: int = abi()
    if found != ABI_VERSION:
        raise ImportError(
            "fuma: %s has ABI version %d, but this Python package speaks ABI "
            "version %d; install a matching libfuma.so.%d or a fuma package "
            "written for ABI %d" % (path, found, ABI_VERSION, ABI_VERSION, found)
        )


lib, path = _load()
_check_abi(lib, path)
_declare(lib, path)
