# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures for the fuma Python suite.

The suite imports ``fuma`` as the environment provides it: CTest sets
FUMA_LIBRARY to the libfuma just built and PYTHONPATH to bindings/python.
Tests about loading the library run in a child interpreter, because a
library, once loaded, stays loaded.

Every call the suite makes is also judged against the command's declaration
(contract.py): a test whose calls show a declaration lying fails.
"""

import os
import pathlib
import subprocess
import sys

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
