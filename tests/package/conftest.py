# SPDX-License-Identifier: Apache-2.0
"""The Debian packages under test, and the root they are unpacked into.

CTest names the directory that package.build_deb filled (FUMA_DEB_DIR); the
four packages are unpacked once, with dpkg -x, into one throw-away root.
"""

import json
import os
import pathlib
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import pytest

PACKAGES = ("libfuma1", "libfuma-dev", "fuma-host", "python3-fuma")


def env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run this suite through ctest")
    return value


def run(*args, **kwargs):
    """Runs a command; its output as text, or a failure that shows it."""
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {done.returncode}:\n"
                    f"{done.stdout}\n{done.stderr}", pytrace=False)
    return done.stdout


@pytest.fixture(scope="session")
def debs():
    """{package name: path of its .deb}, exactly one of each."""
    found = {}
    for path in sorted(pathlib.Path(env("FUMA_DEB_DIR")).glob("*.deb")):
        name = run("dpkg-deb", "--field", str(path), "Package").strip()
        assert name not in found, f"two packages named {name}: {found[name]}, {path}"
        found[name] = path
    missing = [name for name in PACKAGES if name not in found]
    assert not missing, f"not built: {missing} (found {sorted(found)})"
    return found


@pytest.fixture(scope="session")
def root(debs):
    """The four packages unpacked into one directory, as dpkg would lay them
    out on a system."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="fuma-deb-root-"))
    for name in PACKAGES:
        run("dpkg-deb", "-x", str(debs[name]), str(path))
    yield path
    shutil.rmtree(path)


@pytest.fixture(scope="session")
def multiarch():
    return run("dpkg-architecture", "-qDEB_HOST_MULTIARCH").strip()


@pytest.fixture(scope="session")
def control(debs):
    """control(package) -> {field: value} of that package's control file."""
    cache = {}

    def fields(name):
        if name not in cache:
            parsed, key = {}, None
            for line in run("dpkg-deb", "--field", str(debs[name])).splitlines():
                if line.startswith((" ", "\t")) and key:
                    parsed[key] += "\n" + line.strip()
                elif ":" in line:
                    key, value = line.split(":", 1)
                    parsed[key] = value.strip()
            cache[name] = parsed
        return cache[name]

    return fields


def relations(field):
    """The package names of a Depends-like field (every alternative)."""
    names = set()
    for group in filter(None, (g.strip() for g in field.split(","))):
        for alternative in group.split("|"):
            names.add(alternative.split()[0].split(":")[0])
    return names


@pytest.fixture(scope="session")
def control_files(debs, tmp_path_factory):
    """control_files(package) -> the directory of its control archive
    (postinst, conffiles, symbols...)."""
    base = tmp_path_factory.mktemp("control")

    def extract(name):
        path = base / name
        if not path.exists():
            run("dpkg-deb", "--control", str(debs[name]), str(path))
        return path

    return extract


# Generous: a loaded machine starts and answers slowly, and nothing here is
# timed, only waited for.
DEADLINE = 60.0
VALID_USCC = "91350100M000100Y43"


class InstalledHost:
    """The unpacked /usr/bin/fuma-host on a free loopback port, with a data
    directory of its own; no --web: it finds its pages where it lies."""

    def __init__(self, root, data, log, wrapper=()):
        self.proc = subprocess.Popen(
            [*wrapper, str(root / "usr/bin/fuma-host"), "--listen", "127.0.0.1:0",
             "--data", str(data)],
            stdout=subprocess.PIPE, stderr=log)
        line = self._first_line()
        prefix = "fuma-host listening on "
        assert line.startswith(prefix), line
        self.url = line[len(prefix):]

    def _first_line(self):
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        data = b""
        deadline = time.monotonic() + DEADLINE
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                self.proc.kill()
                pytest.fail(f"no listening line within {DEADLINE}s: {data!r}")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                pytest.fail(f"fuma-host exited {self.proc.wait()}: {data!r}")
            data += chunk
        return data.split(b"\n", 1)[0].decode()

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=DEADLINE) as answer:
            return answer.status, answer.headers, answer.read()

    def wait_healthy(self):
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                status, _, body = self.get("/healthz")
                if status == 200:
                    return json.loads(body)
            except OSError as error:
                if time.monotonic() > deadline:
                    pytest.fail(f"/healthz did not answer within {DEADLINE}s: {error}")
            time.sleep(0.1)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
