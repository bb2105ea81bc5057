# SPDX-License-Identifier: Apache-2.0
"""Starting and talking to fuma-host for the host suite.

The binary comes from FUMA_HOST (set by CTest). Each host runs on port 0 in
its own temporary --data directory; its stderr (the access log) goes to a
file so that a full pipe can never stall it.

Every JSON answer of a command that reaches the suite through
Host.request (and so every Client) is held to the command's declared result
schema (fuma.commands, read once from the program CTest names in
FUMA_COMMANDS), with the Python suite's judge (tests/python/contract.py): a
test whose answers show a declaration lying fails.

With FUMA_TEST_STORE naming a PostgreSQL database (ctest's pg.host.* run the
suites inside tests/support/pg-server, which sets it), every host runs on a
store there instead of DATA/fuma.db (store_args).
"""

import hashlib
import http.client
import json
import os
import pathlib
import re
import selectors
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import zlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python"))
import contract  # noqa: E402  (tests/python/contract.py)

# Sanitizer builds start and answer many times slower: wait generously.
STARTUP_TIMEOUT = 20.0
EXIT_TIMEOUT = 15.0


def host_binary():
    path = os.environ.get("FUMA_HOST")
    if not path:
        pytest.fail("FUMA_HOST is not set: run this suite through ctest")
    return path


# --- Every command's JSON answer, held to its declaration --------------------

# /api/<command> and /api/staff/<command>, with or without a query.
COMMAND_PATH = re.compile(r"/api/(?:staff/)?([a-z_]+(?:\.[a-z_]+)+)(?:\?|$)")


class Answers:
    """Judges the host's answers; remembers every declaration found lying."""

    def __init__(self):
        self._registry = None
        self._lock = threading.Lock()
        self.violations = []
        self.judged = 0

    def registry(self):
        with self._lock:
            if self._registry is None:
                if not os.environ.get("FUMA_COMMANDS"):
                    pytest.fail("FUMA_COMMANDS is not set: run this suite through ctest")
                self._registry = contract.load_registry()
            return self._registry

    def judge(self, path, headers, body):
        """Judges one answer if it is a command's JSON success."""
        match = COMMAND_PATH.match(path)
        if not match or not body:
            return
        if not (headers.get("Content-Type") or "").startswith("application/json"):
            return  # the bytes themselves (a PDF, a PNG)
        declared = self.registry().get(match.group(1))
        doc = json.loads(body.decode("utf-8"))
        if declared is None or not isinstance(doc, dict) or doc.get("ok") is not True:
            return
        wrong = contract.judge_result(declared, engine_result(declared, doc))
        with self._lock:
            self.judged += 1
            self.violations.extend("%s: %s" % (path.split("?")[0], w) for w in wrong)


def engine_result(declared, doc):
    """The engine's result inside the host's answer: the host's own edits,
    which fuma-host(1) documents, undone."""
    result = dict(doc)
    if declared.name in ("session.login", "staff.login"):
        # The session token goes into a cookie, and a new CSRF token comes
        # in its place.
        result.pop("csrf", None)
        result["token"] = "(in the session cookie)"
    if declared.descriptor["returns"] is not None:
        # ?format=json carries the bytes inside the answer.
        result.pop("content_type", None)
        result.pop("data_base64", None)
    return result


ANSWERS = Answers()


@pytest.fixture(autouse=True)
def declarations_hold():
    """Fails the test whose answers found a command's declaration lying."""
    ANSWERS.registry()  # read before the test, never while it times something
    before = len(ANSWERS.violations)
    yield
    found = ANSWERS.violations[before:]
    if found:
        pytest.fail("the command declarations disagree with the host's answers:\n  "
                    + "\n  ".join(found[:20]), pytrace=False)


# --- The store: SQLite, or PostgreSQL when FUMA_TEST_STORE names one --------


def postgresql_store():
    """The PostgreSQL database the suite runs on (FUMA_TEST_STORE, which
    tests/support/pg-server sets), or None for SQLite files."""
    uri = os.environ.get("FUMA_TEST_STORE", "")
    return uri if uri.startswith(("postgresql://", "postgres://")) else None


_SCHEMAS = set()


def store_args(data):
    """The options that put a host's store where the suite runs: none on
    SQLite (DATA/fuma.db); on PostgreSQL, a schema of the test database that
    stands for the data directory (made when first named, so that hosts
    started on one directory share it, as they share its file), and the key
    file beside the directory."""
    uri = postgresql_store()
    if uri is None:
        return []
    schema = "h" + hashlib.sha256(str(data).encode("utf-8")).hexdigest()[:24]
    if schema not in _SCHEMAS:
        subprocess.run(["psql", "-qX", "-v", "ON_ERROR_STOP=1", uri, "-c",
                        f"CREATE SCHEMA IF NOT EXISTS {schema}"],
                       check=True, capture_output=True, timeout=60)
        _SCHEMAS.add(schema)
    store = uri + ("&" if "?" in uri else "?") + "options=" + urllib.parse.quote(
        f"-csearch_path={schema}")
    return ["--store", store, "--engine-option", f"key_file={data}.key"]


class Endpoint:
    """Where HTTP requests go: self.host, self.port and self.tls (a host, or
    a balancer in front of several)."""

    def connection(self, timeout=10.0, source=None):
        """source: the local address to connect from (another loopback
        address, 127.0.0.2, plays a second machine)."""
        source_address = (source, 0) if source else None
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=context, source_address=source_address)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=source_address)

    def socket(self, timeout=10.0, source=None):
        return socket.create_connection((self.host, self.port), timeout=timeout,
                                        source_address=(source, 0) if source else None)

    def request(self, method, path, body=None, headers=None, source=None, timeout=10.0):
        """One request on a fresh connection: (status, headers, body bytes)."""
        conn = self.connection(timeout=timeout, source=source)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            answer = res.read()
        finally:
            conn.close()
        ANSWERS.judge(path, res.headers, answer)
        return res.status, res.headers, answer

    def get_json(self, path):
        status, headers, body = self.request("GET", path)
        return status, headers, json.loads(body.decode("utf-8"))


class Host(Endpoint):
    def __init__(self, tmp_path, *args, listen="127.0.0.1:0", data=None):
        self.data = data if data is not None else tmp_path / "data"
        self.log_path = tmp_path / f"stderr-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")
        # A test that names its store keeps it.
        store = [] if "--store" in args else store_args(self.data)
        cmd = [host_binary(), "--listen", listen, "--data", str(self.data), *store, *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log)
        self._stdout = b""
        self.line = self._read_line()
        prefix = "fuma-host listening on "
        assert self.line.startswith(prefix), self.line
        self.url = self.line[len(prefix):]
        parsed = urllib.parse.urlsplit(self.url)
        self.host = parsed.hostname
        self.port = parsed.port
        self.tls = parsed.scheme == "https"

    def _read_line(self):
        data = self._read_until(lambda d: b"\n" in d, "no listening line")
        line, self._stdout = data.split(b"\n", 1)
        return line.decode()

    def _read_until(self, done, what):
        """stdout read on from what is kept until done(all of it) holds."""
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        data = self._stdout
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not done(data):
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                self.kill()
                pytest.fail(f"{what} within {STARTUP_TIMEOUT}s: {data!r} {self.log()}")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                self.proc.wait()
                pytest.fail(f"host exited with {self.proc.returncode}: {data!r} {self.log()}")
            data += chunk
        return data

    def read_stdout_until(self, needle):
        """The text on stdout after the listening line, up to the end of the
        line holding needle (for --demo's README.txt)."""
        needle = needle.encode()
        data = self._read_until(lambda d: needle in d and b"\n" in d[d.find(needle):],
                                f"no {needle!r} on stdout")
        end = data.find(b"\n", data.find(needle)) + 1
        self._stdout = data[end:]
        return data[:end].decode()

    def log(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

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


def start_demo(tmp_path, *args, **kwargs):
    """A --demo host whose README.txt has been printed: (host, readme)."""
    host = Host(tmp_path, "--demo", *args, **kwargs)
    readme = host.read_stdout_until("guanli /")
    return host, readme


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


def wait_for_log(host, needle, timeout=30):
    """The lines of the host's log holding needle, once there is one. Lines
    are written in batches, at least once a second, so a line may appear
    a moment after the answer it records has been read."""
    deadline = time.monotonic() + timeout
    while needle not in host.log():
        assert time.monotonic() < deadline, host.log()
        time.sleep(0.05)
    return [line for line in host.log().splitlines() if needle in line]


def wait_until_read(host, sock, timeout=30):
    """Waits until the host has read every byte sent on sock: the kernel's
    receive queue of the host's end of the connection is empty."""
    ours = sock.getsockname()[1]
    deadline = time.monotonic() + timeout
    while True:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table, encoding="ascii") as f:
                next(f)
                for row in f:
                    fields = row.split()
                    local, remote = fields[1], fields[2]
                    if (int(local.rsplit(":", 1)[1], 16) == host.port and
                            int(remote.rsplit(":", 1)[1], 16) == ours):
                        if int(fields[4].split(":")[1], 16) == 0:
                            return
        assert time.monotonic() < deadline, "the host never read what was sent"
        time.sleep(0.02)


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


# --- The JSON API: sessions in cookies, CSRF, multipart ----------------------

DEMO_CAPTCHA = "FUMA7"
DEMO_STAFF = {"shouli": "shouli-demo-2026", "fuhe": "fuhe-demo-2026",
              "guanli": "guanli-demo-2026"}


def multipart(parts, boundary=None, close=True):
    """(body, content type) from parts [(name, bytes or str, file name or
    None, content type or None)]; close=False leaves out the close
    delimiter."""
    boundary = boundary or "fuma-" + uuid.uuid4().hex
    out = b""
    for name, value, file_name, ctype in parts:
        if isinstance(value, str):
            value = value.encode("utf-8")
        disposition = f'form-data; name="{name}"'
        if file_name is not None:
            disposition += f'; filename="{file_name}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode("utf-8")
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + value + b"\r\n"
    if close:
        out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def set_cookies(self):
        return self.headers.get_all("Set-Cookie") or []

    def cookie(self, name):
        """The Set-Cookie line for name, or None."""
        for line in self.set_cookies:
            if line.split("=", 1)[0].strip() == name:
                return line
        return None

    @property
    def code(self):
        """The error code of a failed answer (None for success)."""
        doc = self.json
        return None if doc.get("ok", True) else doc["error"]["code"]

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:300]!r}>"


class Client:
    """One actor's browser: its own cookie jar, its CSRF token sent back on
    each POST, on one side of the API (unit: /api/, staff: /api/staff/)."""

    def __init__(self, host, side="unit", source=None, headers=None, timeout=10.0):
        """source: the local address to connect from; headers: sent with
        every request (X-Forwarded-For, say); timeout: for each socket
        operation, in seconds."""
        self.host = host
        self.side = side
        self.cookies = {}
        self.source = source
        self.headers = headers or {}
        self.timeout = timeout

    @property
    def prefix(self):
        return "/api/staff/" if self.side == "staff" else "/api/"

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def keep(self, reply):
        for line in reply.set_cookies:
            pair, *attrs = [p.strip() for p in line.split(";")]
            name, _, value = pair.partition("=")
            if any(a.lower() == "max-age=0" for a in attrs):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(self, method, path, body=None, headers=None, cookies=True, csrf=True):
        headers = {**self.headers, **(headers or {})}
        if cookies and self.cookies and "Cookie" not in headers:
            headers["Cookie"] = self.cookie_header()
        if (csrf and method == "POST" and "X-CSRF-Token" not in headers
                and "fuma_csrf" in self.cookies):
            headers["X-CSRF-Token"] = self.cookies["fuma_csrf"]
        status, res_headers, res_body = self.host.request(method, path, body=body,
                                                          headers=headers, source=self.source,
                                                          timeout=self.timeout)
        reply = Reply(status, res_headers, res_body)
        self.keep(reply)
        return reply

    def get_csrf(self):
        reply = self.request("GET", "/api/csrf")
        assert reply.status == 200, reply
        return reply.json["csrf"]

    def path(self, command, query=None):
        path = self.prefix + command
        if query:
            path += "?" + urllib.parse.urlencode(query)
        return path

    def call(self, command, args=None, headers=None, query=None, **kw):
        """POST a JSON command; a CSRF token is fetched first if missing."""
        if "fuma_csrf" not in self.cookies:
            self.get_csrf()
        body = json.dumps(args if args is not None else {}, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", **(headers or {})}
        return self.request("POST", self.path(command, query), body=body, headers=headers, **kw)

    def get(self, command, args=None, fmt=None, **kw):
        query = {}
        if args is not None:
            query["args"] = json.dumps(args, ensure_ascii=False)
        if fmt:
            query["format"] = fmt
        return self.request("GET", self.path(command, query), **kw)

    def upload(self, command, args, data, file_name="file.bin", ctype=None, query=None):
        """POST args and bytes as multipart/form-data."""
        if "fuma_csrf" not in self.cookies:
            self.get_csrf()
        parts = [("args", json.dumps(args, ensure_ascii=False), None, None),
                 ("file", data, file_name, ctype or "application/octet-stream")]
        body, content_type = multipart(parts)
        return self.request("POST", self.path(command, query), body=body,
                            headers={"Content-Type": content_type})

    def post_raw(self, command, args, data, ctype, fmt=None):
        """POST bytes as the body, args in ?args=."""
        if "fuma_csrf" not in self.cookies:
            self.get_csrf()
        query = {"args": json.dumps(args, ensure_ascii=False)}
        if fmt:
            query["format"] = fmt
        return self.request("POST", self.path(command, query), body=data,
                            headers={"Content-Type": ctype})

    # The logins ------------------------------------------------------------

    def login_unit(self, picture, answer=DEMO_CAPTCHA, commit=True):
        captcha = self.get("session.captcha", fmt="json")
        assert captcha.status == 200, captcha
        reply = self.upload("session.login",
                            {"captcha_id": captcha.json["captcha_id"], "captcha_answer": answer},
                            picture, "login.png", "image/png")
        assert reply.status == 200, reply
        if commit:
            text_version = reply.json["session"]["commitment"]["text_version"]
            done = self.call("session.commit", {"text_version": text_version})
            assert done.status == 200, done
        return reply

    def login_staff(self, username, password=None):
        reply = self.call("staff.login", {"username": username,
                                          "password": password or DEMO_STAFF[username]})
        assert reply.status == 200, reply
        return reply


def unit_with_draft(host, kind, business):
    """A demo unit ("long-term" or "fixed-term") logged in and committed, with
    a draft of `business` started; its id is client.app_id."""
    client = Client(host)
    client.login_unit(host.demo.picture[kind])
    reply = client.call("application.start", {"business": business})
    assert reply.status == 200, reply
    client.app_id = reply.json["application"]["id"]
    return client


CHINESE = re.compile("[\u4e00-\u9fff]")


def assert_api_error(reply, status, code):
    """An error answer in the host's shape: the status, the code, a Chinese
    message and a detail. Returns the error object."""
    assert reply.status == status, reply
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8", reply
    doc = reply.json
    assert doc["ok"] is False, reply
    assert doc["error"]["code"] == code, reply
    assert CHINESE.search(doc["error"]["message"]), reply
    assert doc["error"]["detail"], reply
    return doc["error"]


def make_png(width=8, height=8, seed=0):
    """A small valid RGB PNG, different for each seed."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\x00" + bytes(((x * 31 + y * 17 + seed * 7 + c * 85) & 0xff)
                                     for x in range(width) for c in range(3))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Demo:
    """What --demo made: the README's units and their login pictures."""

    def __init__(self, host, readme):
        self.readme = readme
        self.picture = {}
        self.uscc = {}
        for kind in ("long-term", "fixed-term"):
            m = re.search(r"(\S+/unit-%s\.png)\s+\S+\s+([0-9A-Z]{18})" % kind, readme)
            assert m, readme
            self.picture[kind] = (host.data / "demo" / f"unit-{kind}.png").read_bytes()
            self.uscc[kind] = m.group(2)


@pytest.fixture(scope="module")
def demo_host(tmp_path_factory):
    """One --demo host shared by a module's tests; host.demo has its units."""
    host, readme = start_demo(tmp_path_factory.mktemp("demo"))
    host.demo = Demo(host, readme)
    yield host
    host.stop()


# --- PostgreSQL, several hosts, a balancer -----------------------------------

PG_SERVER = str(pathlib.Path(__file__).resolve().parents[1] / "support" / "pg-server")


def pg_database():
    """The test database's URI: ctest runs the PostgreSQL suites inside
    tests/support/pg-server, which starts one and names it in FUMA_TEST_STORE."""
    uri = os.environ.get("FUMA_TEST_STORE", "")
    if not uri.startswith("postgresql://"):
        pytest.fail("FUMA_TEST_STORE names no PostgreSQL database: run this suite through ctest "
                    "(pg.host, pg.multihost), which starts one")
    return uri


def pg_server(mode):
    """--stop or --start the test database's server (the same data, the same
    socket)."""
    subprocess.run([PG_SERVER, mode], check=True)


def new_pg_store(prefix="host_"):
    """A new, empty schema of the test database, as a --store location."""
    name = prefix + str(time.monotonic_ns())
    subprocess.run(["psql", "-X", "-q", pg_database(), "-c", f"CREATE SCHEMA {name}"], check=True)
    return pg_database() + "&options=" + urllib.parse.quote(f"-csearch_path={name}")


@pytest.fixture
def pg_store():
    """A schema of its own in the test database, as a --store location."""
    return new_pg_store()


def psql(store, sql):
    """The rows of one query on the store, each a tuple of texts."""
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-F", "\t", store, "-c", sql],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines()]


def free_port():
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """fuma-hosts on one PostgreSQL store, as several machines behind a
    balancer run them: each with its own data directory and --host-id (so
    every answer names the host in X-Fuma-Host), on a fixed loopback port
    (a host restarted comes back where the balancer looks for it), with the
    same key file and the same --csrf-key. All run --demo: the first makes
    the demo's data, the others are given its demo directory (and so find
    it made), so that every host's captchas have the demo's answer."""

    def __init__(self, tmp_path, store, names=("node-a", "node-b")):
        self.tmp_path = tmp_path
        self.store = store
        self.names = list(names)
        self.key_file = tmp_path / "master.key"
        self.csrf_key = tmp_path / "csrf.key"
        self.csrf_key.write_bytes(os.urandom(32))
        self.csrf_key.chmod(0o600)
        self.ports = {name: free_port() for name in names}
        self.hosts = {}
        first = self.start(names[0])
        readme = first.read_stdout_until("guanli /")
        for name in names[1:]:
            for part in ("demo", "content"):
                if (first.data / part).exists():
                    shutil.copytree(first.data / part, self.data(name) / part)
            self.start(name)
        self.demo = Demo(first, readme)

    def data(self, name):
        return self.tmp_path / name / "data"

    def start(self, name):
        """Starts (or starts again) the host `name`."""
        (self.tmp_path / name).mkdir(exist_ok=True)
        host = Host(self.tmp_path / name, "--store", self.store,
                    "--engine-option", f"key_file={self.key_file}",
                    "--csrf-key", str(self.csrf_key), "--host-id", name, "--demo",
                    listen=f"127.0.0.1:{self.ports[name]}", data=self.data(name))
        host.name = name
        self.hosts[name] = host
        return host

    def kill(self, name):
        """SIGKILL: the host dies at once, whatever it was doing."""
        host = self.hosts[name]
        host.signal(signal.SIGKILL)
        host.proc.wait(timeout=EXIT_TIMEOUT)
        host.proc.stdout.close()
        host._log.close()

    def stop(self):
        """SIGTERM to every host still running; each must exit 0."""
        for host in self.hosts.values():
            if host.proc.poll() is None:
                host.stop()


@pytest.fixture
def cluster(tmp_path, pg_store):
    """Two hosts, node-a and node-b, on a store of their own."""
    c = Cluster(tmp_path, pg_store)
    yield c
    c.stop()


class Balancer(Endpoint):
    """HAProxy (Debian's haproxy) in front of hosts, with a configuration of
    its own in a temporary directory: listening on loopback only, round
    robin, each host checked with GET /readyz (out of rotation while that
    fails, back in once it passes), and a request whose connection to a
    host cannot be made sent to another (retries, redispatch). HAProxy never
    sends a request again once a host has it, so no write is applied twice
    by the balancer."""

    def __init__(self, servers, check_ms=300):
        """servers: {name: port} on 127.0.0.1."""
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="fuma-ha."))
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls = False
        self.socket_path = self.dir / "admin.sock"
        lines = [
            "global",
            "    maxconn 512",
            f"    stats socket {self.socket_path} mode 600 level admin",
            "defaults",
            "    mode http",
            "    timeout connect 2s",
            "    timeout client 60s",
            "    timeout server 60s",
            "    timeout check 5s",
            "    retries 3",
            "    option redispatch 1",
            "frontend www",
            f"    bind 127.0.0.1:{self.port}",
            "    default_backend fuma",
            "backend fuma",
            "    balance roundrobin",
            "    option httpchk GET /readyz",
            "    http-check expect status 200",
            f"    default-server inter {check_ms}ms fall 2 rise 2",
        ]
        lines += [f"    server {name} 127.0.0.1:{port} check" for name, port in servers.items()]
        self.config = self.dir / "haproxy.cfg"
        self.config.write_text("\n".join(lines) + "\n")
        self.log_path = self.dir / "haproxy.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["haproxy", "-f", str(self.config), "-db"],
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.wait_for(lambda states: all(s.startswith("UP") for s in states.values()),
                      "every host in rotation")

    def log(self):
        return self.log_path.read_text(errors="replace")

    def states(self):
        """{server: HAProxy's status of it ("UP", "DOWN", "UP 1/2"...)}."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(str(self.socket_path))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        rows = data.decode().splitlines()
        header = rows[0].lstrip("# ").split(",")
        out = {}
        for row in rows[1:]:
            fields = dict(zip(header, row.split(",")))
            if fields.get("pxname") == "fuma" and fields.get("svname") not in (None, "BACKEND"):
                out[fields["svname"]] = fields["status"]
        return out

    def wait_for(self, condition, what, timeout=30):
        """Waits until condition(states()) holds."""
        deadline = time.monotonic() + timeout
        states = None
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"haproxy exited with {self.proc.returncode}: {self.log()}")
            try:
                states = self.states()
                if condition(states):
                    return states
            except OSError:
                pass  # the admin socket is not there yet
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {timeout}s; HAProxy says {states}: {self.log()}")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def balancer(cluster):
    """HAProxy in front of the cluster's hosts."""
    b = Balancer(cluster.ports)
    yield b
    b.stop()
