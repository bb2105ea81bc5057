"""Starting and talking to fuma-host for the host suite.

The binary comes from FUMA_HOST (set by CTest). Each host runs on port 0 in
its own temporary --data directory; its stderr (the access log) goes to a
file so that a full pipe can never stall it.
"""

import http.client
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import time
import urllib.parse

import pytest

# Sanitizer builds start and answer many times slower: wait generously.
STARTUP_TIMEOUT = 20.0
EXIT_TIMEOUT = 15.0


def host_binary():
    path = os.environ.get("FUMA_HOST")
    if not path:
        pytest.fail("FUMA_HOST is not set: run this suite through ctest")
    return path


class Host:
    def __init__(self, tmp_path, *args, listen="127.0.0.1:0", data=None):
        self.data = data if data is not None else tmp_path / "data"
        self.log_path = tmp_path / f"stderr-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")
        cmd = [host_binary(), "--listen", listen, "--data", str(self.data), *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log)
        self.line = self._read_line()
        prefix = "fuma-host listening on "
        assert self.line.startswith(prefix), self.line
        self.url = self.line[len(prefix):]
        parsed = urllib.parse.urlsplit(self.url)
        self.host = parsed.hostname
        self.port = parsed.port

    def _read_line(self):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        data = b""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                self.kill()
                pytest.fail(f"no listening line within {STARTUP_TIMEOUT}s: {self.log()}")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                self.proc.wait()
                pytest.fail(f"host exited with {self.proc.returncode}: {self.log()}")
            data += chunk
        return data.split(b"\n", 1)[0].decode()

    def log(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def connection(self, timeout=10.0):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def socket(self, timeout=10.0):
        return socket.create_connection((self.host, self.port), timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        """One request on a fresh connection: (status, headers, body bytes)."""
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, res.headers, res.read()
        finally:
            conn.close()

    def get_json(self, path):
        status, headers, body = self.request("GET", path)
        return status, headers, json.loads(body.decode("utf-8"))

    def signal(self, signo):
        self.proc.send_signal(signo)

    def wait(self, timeout=EXIT_TIMEOUT):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"host did not exit within {timeout}s: {self.log()}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        """SIGTERM; the exit status must be 0 (under ASan, also no leaks)."""
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
        rc = self.wait()
        self.proc.stdout.close()
        self._log.close()
        assert rc == 0, f"host exited with {rc}: {self.log()}"


@pytest.fixture
def start_host(tmp_path):
    """Starts hosts with extra arguments; stops each one after the test."""
    hosts = []

    def start(*args, **kwargs):
        host = Host(tmp_path, *args, **kwargs)
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.stop()


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """One host with default options, shared by a module's tests."""
    h = Host(tmp_path_factory.mktemp("host"))
    yield h
    h.stop()


class Reader:
    """Reads HTTP responses from a raw socket, keeping what arrives beyond
    one response for the next (pipelining)."""

    def __init__(self, sock):
        self.sock = sock
        self.data = b""

    def _fill(self, what):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before {what}: {self.data!r}")
        self.data += chunk

    def response(self, head=False):
        """(status, headers with lowercased names, body); head: the answer to
        a HEAD request, which has a Content-Length but no body."""
        while b"\r\n\r\n" not in self.data:
            self._fill("a full header")
        header, self.data = self.data.split(b"\r\n\r\n", 1)
        lines = header.decode("latin-1").split("\r\n")
        assert re.fullmatch(r"HTTP/1\.[01] \d{3} .*", lines[0]), lines[0]
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head else int(headers.get("content-length", "0"))
        while len(self.data) < length:
            self._fill("the full body")
        body, self.data = self.data[:length], self.data[length:]
        return status, headers, body


def read_response(sock):
    """One response from a raw socket: (status, headers lowercased, body)."""
    return Reader(sock).response()


def closed_by_peer(sock, timeout):
    """True if the peer closes (EOF or reset) within timeout, reading and
    discarding anything it sends before."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
