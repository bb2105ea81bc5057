# SPDX-License-Identifier: Apache-2.0
"""fuma (赋码): the Unified Social Credit Code certificate service, from Python.

A thin ctypes layer over libfuma's C ABI; nothing here is compiled.

    import fuma
    fuma.uscc.is_valid("91350100M000100Y43")        # True
    fuma.uscc.check("91350100M000100Y4X").reason    # "CHECK"
    with fuma.Engine("fuma.db") as engine:
        engine.call("fuma.version")                 # Result({"ok": True, ...})

The C library is found through ``FUMA_LIBRARY``, then a ``libfuma.so.1`` a
distribution put inside this package, then the system loader, then the
libdir pkg-config gives for fuma; see :mod:`fuma._native`.
Errors the library reports raise subclasses of :class:`fuma.Error`.
"""

from . import actors, errors, results, uscc
from ._native import ABI_VERSION, lib as _lib, path as library_path
from .engine import Engine, Result, call
from .errors import *  # every exception class, as errors.__all__ lists them

#: The release version of the loaded libfuma, e.g. "0.1.0".
__version__: str = _lib.fuma_version().decode("ascii")

__all__ = ["ABI_VERSION", "library_path", "uscc", "actors", "results", "call", "Engine", "Result"]
__all__ += errors.__all__
