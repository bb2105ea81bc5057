# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures for the fuma Python suite.

The suite imports ``fuma`` as the environment provides it: CTest sets
FUMA_LIBRARY to the libfuma just built and PYTHONPATH to bindings/python.
Tests about loading the library run in a child interpreter, because a
library, once loaded, stays loaded.

Every call the suite makes is also judged against the command's declaration
(contract.py): a test whose calls show a declaration lying fails.

With FUMA_TEST_STORE naming a PostgreSQL database (ctest's pg.python runs
the suite inside tests/support/pg-server), an engine opened on a file opens
on the database instead (store_on_postgresql).
"""

import hashlib
import os
import pathlib
import subprocess
import sys
import urllib.parse

import pytest

import contract

# Installed at import, before any test calls the library.
GUARD = contract.install()


@pytest.fixture(scope="session")
def package_dir():
    """bindings/python: the directory pip installs from."""
    return pathlib.Path(__file__).resolve().parents[2] / "bindings" / "python"


@pytest.fixture(scope="session")
def library():
    """The path of the libfuma under test (FUMA_LIBRARY)."""
    path = os.environ.get("FUMA_LIBRARY")
    if not path:
        pytest.fail("set FUMA_LIBRARY to the libfuma.so.1 under test")
    return pathlib.Path(path)


def _child_env(**changes):
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


def _run_python(code, env, cwd, python=sys.executable):
    return subprocess.run([str(python), "-c", code], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def child_env():
    """child_env(NAME=value, ...): os.environ changed; None removes a name."""
    return _child_env


@pytest.fixture
def run_python():
    """run_python(code, env, cwd, python=sys.executable) -> CompletedProcess."""
    return _run_python


@pytest.fixture(autouse=True)
def declarations_hold():
    """Fails the test whose calls found a command's declaration lying."""
    before = len(GUARD.violations)
    yield
    found = GUARD.violations[before:]
    if found:
        pytest.fail("the command declarations disagree with the library:\n  "
                    + "\n  ".join(found[:20]), pytrace=False)


@pytest.fixture(scope="session")
def guard():
    """The contract.Guard around fuma's calls."""
    return GUARD


# --- The store: SQLite files, or PostgreSQL when FUMA_TEST_STORE names one ---

_SCHEMAS = set()


def _postgresql_store():
    uri = os.environ.get("FUMA_TEST_STORE", "")
    return uri if uri.startswith(("postgresql://", "postgres://")) else None


def on_postgresql():
    """Whether engines open on PostgreSQL (FUMA_TEST_STORE)."""
    return _postgresql_store() is not None


def _schema_for(uri, path):
    """The test database's URI working in a schema that stands for the file
    at path (made when first named, so that opening the file again finds
    its data), as tests/support/test_store.hpp does for the C++ suites."""
    schema = "p" + hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:24]
    if schema not in _SCHEMAS:
        subprocess.run(["psql", "-qX", "-v", "ON_ERROR_STOP=1", uri, "-c",
                        f"CREATE SCHEMA IF NOT EXISTS {schema}"],
                       check=True, capture_output=True, timeout=60)
        _SCHEMAS.add(schema)
    return uri + ("&" if "?" in uri else "?") + "options=" + urllib.parse.quote(
        f"-csearch_path={schema}")


@pytest.fixture(autouse=True)
def store_on_postgresql(monkeypatch):
    """On PostgreSQL, fuma.Engine(PATH) opens the schema standing for PATH,
    with the key file at PATH.key (a store on a server needs key_file)."""
    uri = _postgresql_store()
    if uri is None:
        return
    import fuma
    original = fuma.Engine.__init__

    def init(self, path=None, **options):
        text = "" if path is None else str(path)
        if text not in ("", "memory:", ":memory:") and not text.startswith("postgres"):
            text = text[len("sqlite:"):] if text.startswith("sqlite:") else text
            options.setdefault("key_file", text + ".key")
            path = _schema_for(uri, text)
        original(self, path, **options)

    monkeypatch.setattr(fuma.Engine, "__init__", init)
