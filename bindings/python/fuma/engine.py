# SPDX-License-Identifier: Apache-2.0
"""Commands: :func:`call` without a store and :class:`Engine` with one.

Everything the library does is a named command with JSON arguments and a
JSON result (fuma.h, "Commands"). This module builds the request envelope
``{"command": ..., "args": ..., "actor": ...}``, passes binary input beside
it, and returns a :class:`Result`: the parsed result with its bytes.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union

from . import _native
from ._native import lib
from .errors import check

if TYPE_CHECKING:
    from .actors import Session, Staff, StaffSession, Unit

__all__ = ["Result", "call", "Engine", "JSON", "BytesLike", "StrPath"]

#: A JSON object as a command's args, actor or result: a dict of JSON values.
JSON = dict[str, Any]
#: What ``data=`` accepts: any object with the buffer protocol, e.g.
#: bytes, bytearray or memoryview.
BytesLike = Union[bytes, bytearray, memoryview]
#: A store's path, as ``Engine(path)`` takes it.
StrPath = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]


class Result(dict[str, Any]):
    """A command's result: the JSON object as a dict, and ``.data``.

    The dict holds the result exactly as the library returned it, so it
    always has ``"ok": True`` (failures raise instead). ``.data`` holds the
    bytes the command returned beside the JSON (a PDF, a PNG), ``b""`` when
    it returned none. Comparing a Result with a dict compares the JSON only.
    """

    data: bytes

    def __init__(self, fields: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
                 data: bytes = b"") -> None:
        super().__init__(fields)
        self.data = data

    def __repr__(self) -> str:
        return "Result(%s, data=<%d bytes>)" % (dict.__repr__(self), len(self.data))


def _no_nul(text: str, what: str) -> bytes:
    # A char* argument ends at the first NUL; refuse rather than truncate.
    if "\0" in text:
        raise ValueError("%s contains a NUL character" % what)
    return text.encode("utf-8")


def _request(command: str, args: JSON | None, actor: JSON | None,
             idempotency_key: str | None = None, request_id: str | None = None) -> bytes:
    """The JSON envelope as UTF-8 bytes; TypeError for wrong Python types."""
    if not isinstance(command, str):
        raise TypeError("command must be a str, not %s" % type(command).__name__)
    for name, text in (("idempotency_key", idempotency_key), ("request_id", request_id)):
        if text is not None and not isinstance(text, str):
            raise TypeError("%s must be a str or None, not %s" % (name, type(text).__name__))
    envelope: JSON = {"command": command}
    for key, value in (("args", args), ("actor", actor)):
        if value is not None:
            if not isinstance(value, dict):
                raise TypeError("%s must be a dict or None, not %s"
                                % (key, type(value).__name__))
            envelope[key] = value
    if idempotency_key is not None:
        envelope["idempotency_key"] = idempotency_key
    if request_id is not None:
        envelope["request_id"] = request_id
    # allow_nan=False: NaN and Infinity are not JSON; say so here rather than
    # have the library call the request malformed.
    return json.dumps(envelope, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _payload(data: BytesLike | None) -> bytes | None:
    """``data`` as bytes (None stays None); TypeError if not bytes-like."""
    if data is None or isinstance(data, bytes):
        return data
    try:
        return memoryview(data).tobytes()
    except TypeError:
        raise TypeError("data must be a bytes-like object or None, not %s"
                        % type(data).__name__) from None


def _invoke(engine: ctypes._Pointer[_native.fuma_engine] | None, request: bytes,
            payload: bytes | None) -> Result:
    """Run one prepared request; ``engine`` is a handle or None."""
    out = _native.result_p()
    size = ctypes.c_size_t()
    try:
        check(lib.fuma_call(ctypes.byref(out), engine, request, len(request),
                            payload, len(payload) if payload is not None else 0))
        text = ctypes.string_at(lib.fuma_result_json(out, ctypes.byref(size)), size.value)
        blob = lib.fuma_result_data(out, ctypes.byref(size))
        data = ctypes.string_at(blob, size.value) if blob else b""
    finally:
        lib.fuma_result_free(out)  # a no-op for NULL, as after a failure
    return Result(json.loads(text), data)


def call(command: str, args: JSON | None = None, data: BytesLike | None = None, *,
         actor: JSON | None = None) -> Result:
    """Run a command that needs no store, e.g. ``"uscc.check"``.

    Args:
        command: the command's name.
        args: its arguments, a dict of JSON values, or None.
        data: bytes-like input passed beside the JSON, or None.
        actor: who runs it, a dict, or None.

    Returns a :class:`Result`. Before the library is called, raises
    TypeError for arguments of the wrong Python type and ValueError for
    values JSON cannot carry (NaN, a str with a lone surrogate). Raises a
    :class:`fuma.Error` subclass for what the library refuses; a command
    that needs a store raises :class:`fuma.InvalidArgument` here: use an
    :class:`Engine`. Safe to call from any number of threads.
    """
    return _invoke(None, _request(command, args, actor), _payload(data))


def _option(name: str, value: str | int) -> tuple[bytes, bytes]:
    if not isinstance(name, str):
        raise TypeError("option names are str")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError("option %s must be a str or an int, not %s"
                        % (name, type(value).__name__))
    return _no_nul(name, "option name"), _no_nul(str(value), "option %s" % name)


def _open(path: StrPath | None,
          options: Mapping[str, str | int]) -> ctypes._Pointer[_native.fuma_engine]:
    if path is not None:
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError("path must be a str, bytes, os.PathLike or None, not %s"
                            % type(path).__name__)
        path = os.fsencode(path)
        if b"\0" in path:
            raise ValueError("path contains a NUL character")
    settings = [_option(name, value) for name, value in options.items()]
    opts = _native.options_p()
    check(lib.fuma_options_new(ctypes.byref(opts)))
    try:
        for name, value in settings:
            check(lib.fuma_options_set(opts, name, value))
        handle = _native.engine_p()
        check(lib.fuma_engine_open(ctypes.byref(handle), path, opts))
    finally:
        lib.fuma_options_free(opts)
    return handle


class Engine:
    """An open fuma store and the commands that use it.

    ``Engine(location)`` opens the store at ``location``, creating it if
    absent: a SQLite file (a path, or ``"sqlite:PATH"``), ``"memory:"``, or
    a PostgreSQL database by libpq URI (``"postgresql://fuma@db/fuma"``,
    with ``key_file=...``); ``Engine()`` keeps everything in memory.
    Keyword options go to ``fuma_options_set`` as strings
    (``sqlite_busy_timeout_ms=2000``, ``postgresql_pool_size=8``); an
    unknown name or a bad value raises :class:`fuma.InvalidArgument`. A
    store written by a newer fuma raises :class:`fuma.VersionError`; one
    that cannot be opened or is not fuma's raises
    :class:`fuma.StorageError`; a PostgreSQL server out of reach raises
    :class:`fuma.StoreUnavailable` (so does any call while it stays so).

    Ownership: the Engine owns its C handle. :meth:`close` (or leaving a
    ``with`` block) releases it; so does garbage collection or interpreter
    exit if it was never closed. ``close()`` may be called any number of
    times; any other use of a closed engine raises ValueError.

    Threads: one Engine may serve any number of threads at once. Calls that
    are running when another thread closes the engine finish normally; the
    handle is released when the last of them returns.
    """

    def __init__(self, path: StrPath | None = None, **options: str | int) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._running = 0
        self._closed = False
        self._handle = _open(path, options)
        self._release = weakref.finalize(self, lib.fuma_engine_close, self._handle)

    def call(self, command: str, args: JSON | None = None, data: BytesLike | None = None,
             *, actor: JSON | None = None, idempotency_key: str | None = None,
             request_id: str | None = None) -> Result:
        """Run a command on this engine; arguments and result as :func:`call`.

        ``idempotency_key`` (a str) makes a state-changing command safe to
        retry: the same key from the same actor returns the first result
        without acting again. ``request_id`` (a str of 1 to 128 printable
        ASCII characters) names the request the caller logs it under; the
        audit record of a state-changing command keeps it.
        """
        request = _request(command, args, actor, idempotency_key, request_id)
        payload = _payload(data)
        with self._lock:
            if self._closed:
                raise ValueError("this fuma.Engine is closed")
            self._running += 1
        try:
            return _invoke(self._handle, request, payload)
        finally:
            with self._lock:
                self._running -= 1
                if self._closed and not self._running:
                    self._release()

    def as_unit(self, uscc: str) -> Unit:
        """This engine as seen by a unit the caller authenticated:
        a :class:`fuma.actors.Unit`."""
        from .actors import Unit
        return Unit(self, uscc)

    def as_staff(self, username: str) -> Staff:
        """This engine as seen by a staff member the caller authenticated:
        a :class:`fuma.actors.Staff`."""
        from .actors import Staff
        return Staff(self, username)

    def login(self, image: BytesLike, captcha_id: str, answer: str,
              client: str | None = None) -> Session:
        """Log a unit in with its login QR image (图片登录): session.login.

        Args:
            image: the picture's bytes (bytes-like), as the unit uploaded it.
            captcha_id: the ``captcha_id`` of a ``session.captcha`` result.
            answer: what the user read in that captcha's picture.
            client: the user's address (str) or None; failed attempts from
                one address are throttled.

        Returns a :class:`fuma.actors.Session` (the unit's actor-bound view,
        with ``.token``, ``.session``, ``.commit()``, ``.logout()``). Raises
        what session.login raises: :class:`fuma.NotAnImage`,
        :class:`fuma.NoQrFound`, :class:`fuma.CredentialRevoked`,
        :class:`fuma.CaptchaWrong`, :class:`fuma.CaptchaExpired` (a captcha
        serves one attempt, right or wrong), :class:`fuma.TooManyAttempts`,
        ... Either way the captcha is used up.
        """
        from .actors import Session
        args = {"captcha_id": captcha_id, "captcha_answer": answer}
        if client is not None:
            args["client"] = client
        result = self.call("session.login", args, image)
        return Session(self, result["token"], result["session"], result.get("warning"))

    def staff_login(self, username: str, password: str,
                    client: str | None = None) -> StaffSession:
        """Log a staff member in with their password: staff.login.

        Returns a :class:`fuma.actors.StaffSession`. A wrong username or
        password raises :class:`fuma.LoginFailed` (the same for both);
        repeated failures for one name or address raise
        :class:`fuma.TooManyAttempts`.
        """
        from .actors import StaffSession
        args = {"username": username, "password": password}
        if client is not None:
            args["client"] = client
        result = self.call("staff.login", args)
        return StaffSession(self, result["token"], result["staff"])

    def close(self) -> None:
        """Release the engine; safe to call again."""
        with self._lock:
            self._closed = True
            if not self._running:
                self._release()  # does nothing after the first time

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> Engine:
        if self._closed:
            raise ValueError("this fuma.Engine is closed")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "in memory" if self.path is None else repr(os.fspath(self.path))
        return "<fuma.Engine %s%s>" % (where, " closed" if self._closed else "")
