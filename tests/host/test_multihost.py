# SPDX-License-Identifier: Apache-2.0
"""Several fuma-hosts on one PostgreSQL, as a site runs them: run by ctest's
pg.multihost inside tests/support/pg-server.

Two hosts share a database, each named by --host-id (so every answer says
which host gave it, X-Fuma-Host), behind HAProxy (round robin, /readyz as
the health check; conftest.Balancer). What is checked:

- a unit and staff work a case through the balancer, their requests
  landing on both hosts in turn: captchas, sessions, CSRF tokens and failed
  attempt counters live in the database, not in one host;
- one host SIGKILLed while several clients write: the other serves on, the
  killed one restarts and gets traffic again, nothing acknowledged is lost,
  nothing is applied twice, the invariants hold and the audit chain
  verifies;
- the database stopped while hosts are busy: every request meanwhile is
  answered, 503 STORE_UNAVAILABLE with Retry-After, /readyz says not ready
  and /healthz stays 200, and the hosts come back by themselves once it
  starts again; and restarted at once (pg_ctl restart -m fast) behind the
  balancer, losing nothing acknowledged;
- two staff members taking one step at once through two hosts, and two
  sessions of one unit opening an application at once: one wins, the other
  is told.

No test depends on speed: the load runs until enough acknowledgements have
arrived, with generous deadlines."""

import http.client
import json
import subprocess
import threading
import time
import uuid

import pytest

from conftest import Client, assert_api_error, host_binary, pg_server, psql

# How long any one condition may take to come true: far beyond what it
# takes, so that a slow or busy machine fails nothing.
DEADLINE = 40.0
# One request's longest wait for its answer: a host that takes longer hangs.
REQUEST_TIMEOUT = 30.0


class TracedClient(Client):
    """A Client that notes which host answered each request (X-Fuma-Host),
    in `trace` (a list that several clients may share)."""

    def __init__(self, endpoint, side="unit", trace=None, **kwargs):
        super().__init__(endpoint, side, **kwargs)
        self.trace = trace if trace is not None else []
        self.replies = []  # this client's own

    def request(self, *args, **kwargs):
        reply = super().request(*args, **kwargs)
        self.trace.append(reply.headers.get("X-Fuma-Host"))
        self.replies.append(reply)
        return reply


def wait_until(condition, what, timeout=DEADLINE, detail=lambda: ""):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout}s {detail()}")
        time.sleep(0.05)


def verify_audit(cluster):
    """The system's verdict on the whole chain (fuma-host verify-audit on
    the cluster's store): audit.verify's result."""
    out = subprocess.run([host_binary(), "verify-audit", "--data", str(cluster.data("node-a")),
                          "--store", cluster.store,
                          "--engine-option", f"key_file={cluster.key_file}"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["scope"] == "chain", verdict
    return verdict


# --- Through the balancer: sessions, captchas, CSRF across hosts ---------------

def test_a_case_is_worked_through_the_balancer_with_requests_on_both_hosts(cluster, balancer):
    trace = []
    unit = TracedClient(balancer, trace=trace)
    login = unit.login_unit(cluster.demo.picture["long-term"])
    # The captcha, the CSRF token and the login were three requests, each
    # on the host after the one before: what one host made, the next took.
    started = unit.call("application.start", {"business": "reissue"})
    assert started.status == 200, started
    app_id = started.json["application"]["id"]
    saved = unit.call("application.save", {"id": app_id, "fields": {"reason": "证书遗失"}})
    assert saved.status == 200, saved
    submitted = unit.call("application.submit", {"id": app_id})
    assert submitted.status == 200, submitted

    shouli = TracedClient(balancer, "staff", trace=trace)
    shouli.login_staff("shouli")
    fuhe = TracedClient(balancer, "staff", trace=trace)
    fuhe.login_staff("fuhe")
    for staff, command, args in (
            (shouli, "application.accept", {}),
            (fuhe, "application.approve", {}),
            (shouli, "application.notify", {"reply": "请携带单位公函到窗口领取"}),
            (shouli, "application.complete", {})):
        reply = staff.call(command, {"id": app_id, **args})
        assert reply.status == 200, (command, reply)
    view = unit.get("application.view", {"id": app_id})
    assert view.status == 200, view
    assert view.json["application"]["status"]["key"] == "completed"

    # Round robin: each request went to the other host than the one before.
    assert None not in trace, trace
    assert set(trace) == {"node-a", "node-b"}, trace
    assert all(a != b for a, b in zip(trace, trace[1:])), trace
    # So the unit's session, made by one host, served on the other.
    since_login = unit.replies[[r is login for r in unit.replies].index(True) + 1:]
    assert {r.headers["X-Fuma-Host"] for r in since_login} == {"node-a", "node-b"}

    # Logging out on one host ends the session on every host.
    cookies = dict(unit.cookies)
    assert unit.call("session.logout", {}).status == 200
    for host in cluster.hosts.values():
        stale = Client(host)
        stale.cookies = dict(cookies)
        assert_api_error(stale.get("application.view", {"id": app_id}), 401, "SESSION_EXPIRED")


def test_failed_logins_count_across_hosts(cluster, balancer):
    staff = TracedClient(balancer, "staff")
    replies = []
    # Each host alone would allow its own five free failures; together
    # they count as one, so the refusal comes before either host has seen
    # six of them.
    for _ in range(12):
        reply = staff.call("staff.login", {"username": "shouli", "password": "wrong-password-0"})
        replies.append(reply)
        if reply.status == 429:
            break
        assert_api_error(reply, 401, "LOGIN_FAILED")
    assert_api_error(replies[-1], 429, "TOO_MANY_ATTEMPTS")
    assert {r.headers["X-Fuma-Host"] for r in replies[:-1]} == {"node-a", "node-b"}
    assert len(replies) <= 7, [r.status for r in replies]


def test_a_captcha_serves_one_login_whichever_host_takes_it(cluster):
    a, b = cluster.hosts["node-a"], cluster.hosts["node-b"]
    picture = cluster.demo.picture["long-term"]
    captcha = Client(a).get("session.captcha", fmt="json")
    assert captcha.status == 200, captcha
    args = {"captcha_id": captcha.json["captcha_id"], "captcha_answer": "FUMA7"}
    # Drawn on node-a, answered on node-b: used up there, for node-a too.
    first = Client(b).upload("session.login", args, picture, "login.png", "image/png")
    assert first.status == 200, first
    again = Client(a).upload("session.login", args, picture, "login.png", "image/png")
    assert_api_error(again, 403, "CAPTCHA_EXPIRED")


# --- Load: what every writing thread does and records --------------------------

class Load:
    """Client threads writing through an endpoint each (the balancer, or a
    host), every write under an idempotency key and sent again with the
    same key until it is acknowledged: so nothing is left half-known, and
    a write applied whose answer was lost comes back as it was, once.

    allowed(reply): whether a failed answer is one the situation permits
    (anything else is noted in `unexpected`); lost connections are allowed
    when `drops_allowed`."""

    def __init__(self, allowed, drops_allowed):
        self.allowed = allowed
        self.drops_allowed = drops_allowed
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.registered = []  # (name, uscc, host, monotonic time) acknowledged
        self.saved = []       # (application id, reason, version, host, time) acknowledged
        self.failures = []    # (what, status or exception, time)
        self.unexpected = []  # answers the situation does not allow
        self.threads = []

    def run(self, target, *args):
        t = threading.Thread(target=self._guard, args=(target, *args), daemon=True)
        self.threads.append(t)
        t.start()

    def _guard(self, target, *args):
        try:
            target(*args)
        except Exception as e:  # noqa: BLE001: a thread's failure fails the test
            with self.lock:
                self.unexpected.append(("thread", repr(e)))

    def until_acknowledged(self, what, send):
        """Sends (send() -> Reply) until a 200; returns it. Gives up only
        past a deadline, which is unexpected."""
        deadline = time.monotonic() + 2 * DEADLINE
        while time.monotonic() < deadline:
            try:
                reply = send()
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.failures.append((what, repr(e), time.monotonic()))
                    if not self.drops_allowed or isinstance(e, TimeoutError):
                        self.unexpected.append((what, repr(e)))
                time.sleep(0.1)
                continue
            if reply.status == 200:
                return reply
            with self.lock:
                self.failures.append((what, reply.status, time.monotonic()))
                if not self.allowed(reply):
                    self.unexpected.append((what, reply))
                    return None
            time.sleep(0.1)
        with self.lock:
            self.unexpected.append((what, "never acknowledged"))
        return None

    def registrar(self, endpoint, tag):
        """Registers units (申请初领) on site, one after another."""
        staff = Client(endpoint, "staff", timeout=REQUEST_TIMEOUT)
        if not self.until_acknowledged(f"staff.login {tag}", lambda: staff.call(
                "staff.login", {"username": "shouli", "password": "shouli-demo-2026"})):
            return
        n = 0
        while not self.stop.is_set():
            n += 1
            name = f"深圳市负载{tag}第{n}局"
            key = uuid.uuid4().hex
            args = {"name": name, "category": "机关", "address": "深圳市福田区福中三路1号",
                    "responsible_person": "王五"}
            reply = self.until_acknowledged(name, lambda: staff.call(
                "unit.register", args, headers={"Idempotency-Key": key}))
            if reply is None:
                return
            with self.lock:
                self.registered.append((name, reply.json["uscc"],
                                        reply.headers.get("X-Fuma-Host"), time.monotonic()))

    def saver(self, endpoint, picture):
        """The unit saves its draft again and again, each save naming the
        version it saw."""
        unit = Client(endpoint, timeout=REQUEST_TIMEOUT)
        unit.login_unit(picture)
        started = unit.call("application.start", {"business": "reissue"})
        assert started.status == 200, started
        app_id = started.json["application"]["id"]
        version = started.json["application"]["version"]
        n = 0
        while not self.stop.is_set():
            n += 1
            reason = f"第{n}次保存"
            key = uuid.uuid4().hex
            args = {"id": app_id, "fields": {"reason": reason}, "version": version}
            reply = self.until_acknowledged(reason, lambda: unit.call(
                "application.save", args, headers={"Idempotency-Key": key}))
            if reply is None:
                return
            version = reply.json["application"]["version"]
            with self.lock:
                self.saved.append((app_id, reason, version, reply.headers.get("X-Fuma-Host"),
                                   time.monotonic()))

    def report(self):
        """What went wrong lately, for a failure's message."""
        with self.lock:
            return (f"failures: {self.failures[-8:]} unexpected: {self.unexpected[:8]} "
                    f"acknowledged: {len(self.registered)} + {len(self.saved)}")

    def count(self, host=None, since=0.0, kind=None):
        """Acknowledged writes (kind: "registered" or "saved" alone)."""
        with self.lock:
            acknowledged = getattr(self, kind) if kind else self.registered + self.saved
            return sum(1 for r in acknowledged
                       if r[-1] >= since and (host is None or r[-2] == host))

    def wait_for(self, n, what, host=None, since=0.0, kind=None):
        def enough():
            with self.lock:
                if self.unexpected:
                    pytest.fail(f"while waiting for {what}: {self.unexpected[:5]}")
            return self.count(host, since, kind) >= n
        wait_until(enough, what, detail=self.report)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=3 * DEADLINE)
            assert not t.is_alive(), "a client thread never finished its write"
        assert not self.unexpected, self.unexpected[:10]


def check_what_was_acknowledged(cluster, load):
    """Every acknowledged write is in the database, applied once; the
    invariants hold; the audit chain verifies."""
    store = cluster.store
    units = psql(store, "SELECT name, uscc FROM units WHERE name LIKE '深圳市负载%'")
    by_name = {}
    for name, uscc in units:
        by_name.setdefault(name, []).append(uscc)
    assert load.registered
    for name, uscc, _, _ in load.registered:
        # Present, with the code its answer gave, and registered once
        # however often it was sent.
        assert by_name.get(name) == [uscc], (name, uscc, by_name.get(name))
    # Nothing but what was acknowledged (each write was sent until it was).
    assert len(units) == len(load.registered)
    assert psql(store, "SELECT uscc FROM units GROUP BY uscc HAVING count(*) > 1") == []
    # One audit record for each registration.
    audited = [t for (t,) in psql(store, "SELECT target FROM audit "
                                         "WHERE command = 'unit.register'")]
    for _, uscc, _, _ in load.registered:
        assert audited.count("unit:" + uscc) == 1, uscc
    # One active certificate a unit, and every registered unit has one.
    assert psql(store, "SELECT unit_id FROM certificates WHERE status = 'active' "
                       "GROUP BY unit_id HAVING count(*) > 1") == []
    assert psql(store, "SELECT count(*) FROM units u WHERE u.name LIKE '深圳市负载%' AND NOT EXISTS "
                       "(SELECT 1 FROM certificates c WHERE c.unit_id = u.id "
                       "AND c.status = 'active')") == [("0",)]
    assert psql(store, "SELECT unit_id FROM applications WHERE open "
                       "GROUP BY unit_id HAVING count(*) > 1") == []
    # The draft holds the last acknowledged save, and its version counts
    # each save once.
    if load.saved:
        app_id, reason, version, _, _ = load.saved[-1]
        (row,) = psql(store, f"SELECT version, fields_json FROM applications WHERE id = {app_id}")
        assert int(row[0]) == version == 1 + len(load.saved), (row, version, len(load.saved))
        assert json.loads(row[1])["reason"] == reason
    verdict = verify_audit(cluster)
    assert verdict["intact"] is True and verdict["broken_seq"] is None, verdict


# --- One host killed under load ------------------------------------------------

def killed_host_answers(reply):
    """What a client of the balancer may see while a host dies: HAProxy's
    502/503/504 for a request the dead host had, or the store's 503."""
    if reply.status in (502, 504):
        return True
    if reply.status == 503:
        return (not reply.headers.get("Content-Type", "").startswith("application/json")
                or reply.code == "STORE_UNAVAILABLE")
    return False


def test_one_host_killed_under_load_loses_nothing_acknowledged(cluster, balancer):
    load = Load(killed_host_answers, drops_allowed=True)
    for tag in ("甲", "乙", "丙"):
        load.run(load.registrar, balancer, tag)
    load.run(load.saver, balancer, cluster.demo.picture["fixed-term"])
    try:
        load.wait_for(8, "writes answered by node-a", host="node-a")
        load.wait_for(8, "writes answered by node-b", host="node-b")

        cluster.kill("node-b")
        killed_at = time.monotonic()
        balancer.wait_for(lambda s: s["node-b"].startswith("DOWN"), "node-b out of rotation")
        # The other host serves on: writes go on being acknowledged.
        load.wait_for(15, "writes after the kill", host="node-a", since=killed_at)

        cluster.start("node-b")
        restarted_at = time.monotonic()
        balancer.wait_for(lambda s: s["node-b"] == "UP", "node-b back in rotation")
        # Back in rotation: HAProxy sends it writes again.
        load.wait_for(5, "writes answered by the restarted node-b", host="node-b",
                      since=restarted_at)
        load.wait_for(5, "writes answered by node-a meanwhile", host="node-a",
                      since=restarted_at)
    finally:
        load.finish()
    check_what_was_acknowledged(cluster, load)


# --- The database restarted under load -------------------------------------------

def store_unavailable(reply):
    """The one failure allowed while the database is away: 503
    STORE_UNAVAILABLE with Retry-After (never 500, never a hang)."""
    return (reply.status == 503 and reply.code == "STORE_UNAVAILABLE"
            and reply.headers.get("Retry-After") == "2")


def test_a_database_restart_under_load_is_503_then_served_again(cluster):
    load = Load(store_unavailable, drops_allowed=False)
    a, b = cluster.hosts["node-a"], cluster.hosts["node-b"]
    load.run(load.registrar, a, "子")
    load.run(load.registrar, b, "丑")
    load.run(load.saver, b, cluster.demo.picture["fixed-term"])
    try:
        # Each registrar at work (logged in, registering) on its host.
        load.wait_for(3, "registrations on node-a", host="node-a", kind="registered")
        load.wait_for(3, "registrations on node-b", host="node-b", kind="registered")

        pg_server("--stop")
        stopped_at = time.monotonic()
        try:
            # Every writer is told, and told again, more often than a host
            # has connections: the hosts neither crash nor hang while the
            # database is away, and lose no place in their pools.
            def refused(tag):
                with load.lock:
                    return sum(1 for what, status, t in load.failures
                               if t >= stopped_at and status == 503 and tag in what)
            wait_until(lambda: refused("子") >= 10 and refused("丑") >= 10,
                       "503 STORE_UNAVAILABLE on both hosts", detail=load.report)
            for host in (a, b):
                status, headers, body = host.request("GET", "/readyz", timeout=REQUEST_TIMEOUT)
                assert status == 503, body
                assert json.loads(body)["error"]["code"] == "STORAGE"
                assert headers["Retry-After"] == "2"
                assert host.request("GET", "/healthz", timeout=REQUEST_TIMEOUT)[0] == 200
        finally:
            pg_server("--start")
        started_at = time.monotonic()

        # Back by themselves: ready again, and writing again.
        for host in (a, b):
            wait_until(lambda: host.request("GET", "/readyz", timeout=REQUEST_TIMEOUT)[0] == 200,
                       f"{host.name} ready again")
        load.wait_for(5, "writes on node-a after the restart", host="node-a", since=started_at,
                      kind="registered")
        load.wait_for(5, "writes on node-b after the restart", host="node-b", since=started_at,
                      kind="registered")
    finally:
        load.finish()
    check_what_was_acknowledged(cluster, load)
    for host in (a, b):
        assert "event=unready" in host.log() and "event=ready" in host.log()
        assert host.proc.poll() is None


def restart_answers(reply):
    """While the database restarts behind the balancer: the hosts' 503
    STORE_UNAVAILABLE, or HAProxy's own 503 while it finds every host
    unready."""
    if reply.status != 503:
        return False
    if not reply.headers.get("Content-Type", "").startswith("application/json"):
        return True
    return store_unavailable(reply)


def test_a_database_restart_through_the_balancer_loses_nothing(cluster, balancer):
    load = Load(restart_answers, drops_allowed=False)
    load.run(load.registrar, balancer, "寅")
    load.run(load.registrar, balancer, "卯")
    load.run(load.saver, balancer, cluster.demo.picture["fixed-term"])
    try:
        load.wait_for(3, "registrations on node-a", host="node-a", kind="registered")
        load.wait_for(3, "registrations on node-b", host="node-b", kind="registered")
        pg_server("--restart")  # pg_ctl restart -m fast
        restarted_at = time.monotonic()
        load.wait_for(5, "registrations on node-a after the restart", host="node-a",
                      since=restarted_at, kind="registered")
        load.wait_for(5, "registrations on node-b after the restart", host="node-b",
                      since=restarted_at, kind="registered")
    finally:
        load.finish()
    check_what_was_acknowledged(cluster, load)


# --- Races through two hosts -----------------------------------------------------

def race(first, second):
    """Runs two calls at once; their replies."""
    replies = [None, None]
    start = threading.Barrier(2)

    def run(i, call):
        start.wait()
        replies[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE)
    assert None not in replies
    return replies


def one_wins(replies, codes):
    """Exactly one 200; the other 409 with one of codes. The winner."""
    statuses = sorted(r.status for r in replies)
    assert statuses == [200, 409], replies
    loser = next(r for r in replies if r.status == 409)
    assert loser.code in codes, loser
    return next(r for r in replies if r.status == 200)


def test_two_staff_taking_one_step_at_once_on_two_hosts_one_wins(cluster):
    a, b = cluster.hosts["node-a"], cluster.hosts["node-b"]
    guanli = Client(a, "staff")
    guanli.login_staff("guanli")
    created = guanli.call("staff.create", {"authority": "demo", "username": "shouli2",
                                           "name": "受理员二（演示）", "roles": ["acceptor"],
                                           "password": "shouli2-demo-2026"})
    assert created.status == 200, created
    on_a = Client(a, "staff")
    on_a.login_staff("shouli")
    on_b = Client(b, "staff")
    on_b.login_staff("shouli2", "shouli2-demo-2026")

    # Two sessions of one unit open an application at once: one opens it,
    # the other is told the unit has one open.
    unit_a, unit_b = Client(a), Client(b)
    for unit in (unit_a, unit_b):
        unit.login_unit(cluster.demo.picture["long-term"])
    opened = one_wins(race(
        lambda: unit_a.call("application.start", {"business": "reissue"}),
        lambda: unit_b.call("application.start", {"business": "reissue"})), {"CONFLICT"})
    app_id = opened.json["application"]["id"]
    (unit_id,) = psql(cluster.store, f"SELECT unit_id FROM applications WHERE id = {app_id}")[0]
    assert psql(cluster.store,
                f"SELECT count(*) FROM applications WHERE unit_id = {unit_id} AND open") == [("1",)]

    assert unit_a.call("application.save",
                       {"id": app_id, "fields": {"reason": "证书遗失"}}).status == 200
    assert unit_b.call("application.submit", {"id": app_id}).status == 200
    version = on_a.get("application.view", {"id": app_id}).json["application"]["version"]
    # The same step, from the same version, by two acceptors on two hosts.
    # The second to take the chain's lock finds the case moved on: told
    # INVALID_STATE (no longer 待受理), or CONFLICT (another version).
    one_wins(race(
        lambda: on_a.call("application.accept", {"id": app_id, "version": version}),
        lambda: on_b.call("application.accept", {"id": app_id, "version": version})),
        {"INVALID_STATE", "CONFLICT"})
    assert psql(cluster.store, f"SELECT count(*) FROM events WHERE application_id = {app_id} "
                               "AND action = 'accept'") == [("1",)]
    assert psql(cluster.store, "SELECT count(*) FROM audit WHERE command = 'application.accept' "
                               f"AND target = 'application:{app_id}'") == [("1",)]
    view = on_b.get("application.view", {"id": app_id}).json["application"]
    assert view["status"]["key"] == "accepted" and view["version"] == version + 1
    assert verify_audit(cluster)["intact"] is True
