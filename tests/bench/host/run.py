#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The HTTP benchmark of fuma-host, with nginx as the yardstick.

Starts a Release fuma-host with --demo in a scratch directory, registers
units and logs them in over HTTP, starts nginx serving the same bytes
/api/uscc/{code} answers as a static file, and runs wrk on loopback:

  nginx-static   nginx, the same bytes as a file
  uscc           GET /api/uscc/{code}          (no engine worker, no store)
  case-view      GET /api/application.view     (an engine read, with the session check)
  case-view-256  the same at 256 connections   (peak memory is read here)
  full-cases     full_case.lua: start .. complete, seven durable writes a case
  pg-floor       PostgreSQL's own pgbench on the same server, 64 clients: its
                 select-only transaction (one SELECT by key), its
                 simple-update one (UPDATE, SELECT, INSERT, COMMIT, durable),
                 and ten of those three statements in one transaction (as a
                 host's writes share one), counted as ten writes; what the
                 server does on this machine with no host at all

and prints one line per run: requests/s, p99 latency, and for fuma-host its
peak resident memory (VmHWM) so far.

Stores and hosts (--target, repeatable):

  sqlite         one host on a SQLite file in its data directory (the default)
  postgresql     one host on a PostgreSQL database
  postgresql:N   N hosts on one PostgreSQL database behind HAProxy (round robin)

With a PostgreSQL target the script runs itself again inside
tests/support/pg-server --durable, a PostgreSQL 15 of its own with fsync and
synchronous_commit on, so that every write is as durable as on SQLite; each
target gets a schema of its own there. With two or more targets the runs
case-view and full-cases are made for each target in the order A B B A
(--rounds times), each full-cases run with units of its own, and the medians
are printed. After each run the CPU time each kind of process used during it
is printed (fuma-host, the postgres server and its backends, haproxy, wrk)
beside the whole machine's busy and steal time, read from /proc: on a small
machine the client and the server share the cores.

usage: run.py FUMA_HOST [--duration S] [--units N] [--only RUN]... [--target T]...
              [--rounds R] [fuma-host options...]
"""

import argparse
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PG_SERVER = os.path.join(HERE, "..", "..", "support", "pg-server")
TICK = os.sysconf("SC_CLK_TCK")
RUNS = ["nginx-static", "uscc", "case-view", "case-view-256", "full-cases", "pg-floor"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One browser: its cookies, and the CSRF token made for them."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=b"", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        res = conn.getresponse()
        payload = res.read()
        for value in res.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        if res.status != 200:
            raise RuntimeError(f"{path}: {res.status} {payload[:300]!r}")
        return res, payload

    def call(self, path, args=None, files=None):
        if "fuma_csrf" not in self.cookies:
            self.request("GET", "/api/csrf")
        headers = {"X-CSRF-Token": self.cookies["fuma_csrf"]}
        if files is not None:
            boundary = "fumabenchboundary"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"args\"\r\n\r\n"
                    f"{json.dumps(args)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                    f"name=\"file\"; filename=\"qr.png\"\r\nContent-Type: image/png\r\n\r\n"
                    ).encode() + files + f"\r\n--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = json.dumps(args or {}).encode()
            headers["Content-Type"] = "application/json"
        res, payload = self.request("POST", path, body, headers)
        return payload if res.headers["Content-Type"].startswith("image/") else json.loads(payload)


def wait_listening(port, proc, what, seconds=30):
    """Waits until something accepts connections on the loopback port;
    RuntimeError if `proc` ends first or the deadline passes."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{what} did not start")
            time.sleep(0.1)


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_ticks(pid, children=False):
    """utime + stime of a process (and of its reaped children), in ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # fields[0] is the state (field 3); utime is field 14, cstime field 17.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except OSError:
                pass
    return kids


def machine_ticks():
    """(busy, steal, total) ticks of the whole machine since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    steal = v[7] if len(v) > 7 else 0
    total = sum(v[:8])
    return total - idle - steal, steal, total


class Postgres:
    """The PostgreSQL server pg-server started for this process."""

    def __init__(self):
        self.uri = os.environ["FUMA_TEST_STORE"]
        with open(os.path.join(os.environ["FUMA_TEST_PG_DIR"], "data", "postmaster.pid")) as f:
            self.pid = int(f.readline())

    def schema(self, name):
        subprocess.run(["psql", "-q", self.uri, "-c", f"CREATE SCHEMA {name}"], check=True)
        return self.uri + "&options=" + urllib.parse.quote(f"-csearch_path={name}")

    def ticks(self):
        """The postmaster, its backends and every backend that ended meanwhile."""
        return cpu_ticks(self.pid, children=True) + sum(cpu_ticks(k) for k in children_of(self.pid))


class Target:
    """One or more fuma-hosts on one store, reached directly or through HAProxy."""

    def __init__(self, spec, binary, scratch, host_args, postgres):
        self.spec = spec
        kind, _, count = spec.partition(":")
        self.hosts_wanted = int(count or 1)
        if kind not in ("sqlite", "postgresql") or self.hosts_wanted < 1 or (
                kind == "sqlite" and self.hosts_wanted > 1):
            raise SystemExit(f"run.py: unknown target {spec!r} (sqlite, postgresql, postgresql:N)")
        self.dir = os.path.join(scratch, spec.replace(":", "-"))
        os.makedirs(self.dir)
        self.postgres = postgres
        self.hosts, self.logs, self.haproxy = [], [], None
        common = ["--demo", "--max-connections", "4096",
                  # Every simulated unit logs in from 127.0.0.1.
                  "--max-connections-per-address", "4096",
                  "--engine-option", "captcha_per_minute=100000"]
        if kind == "postgresql":
            store = postgres.schema("bench_" + spec.replace(":", "_"))
            key = os.path.join(self.dir, "csrf.key")
            with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(secrets.token_bytes(32))
            common += ["--store", store, "--engine-option",
                       f"key_file={os.path.join(self.dir, 'master.key')}", "--csrf-key", key]
        for i in range(self.hosts_wanted):
            data = os.path.join(self.dir, f"data{i}")
            if i > 0:
                # The demo's authority, staff and units are in the shared
                # database already: the later hosts find its guide on disk.
                shutil.copytree(os.path.join(self.dir, "data0", "demo"),
                                os.path.join(data, "demo"))
            self.start_host(binary, data, common + host_args)
        if self.hosts_wanted > 1:
            self.start_haproxy()
        else:
            self.port = self.hosts[0][1]

    def start_host(self, binary, data, args):
        port = free_port()
        log = open(os.path.join(self.dir, f"host{len(self.hosts)}.log"), "wb")
        proc = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", "--data", data] + args,
                                stdout=subprocess.PIPE, stderr=log)
        line = proc.stdout.readline().decode()
        if not line.startswith("fuma-host listening on"):
            log.close()
            with open(log.name) as f:
                raise RuntimeError(f"fuma-host did not start: {line!r} {f.read()[-2000:]}")
        # The demo's guide follows the listening line; wait for its end.
        while b"guanli" not in proc.stdout.readline():
            pass
        self.hosts.append((proc, port))
        self.logs.append(log)

    def start_haproxy(self):
        self.port = free_port()
        servers = "".join(f"  server h{i} 127.0.0.1:{port} maxconn 2048\n"
                          for i, (_, port) in enumerate(self.hosts))
        conf = os.path.join(self.dir, "haproxy.cfg")
        with open(conf, "w") as f:
            f.write(f"""global
  maxconn 8192
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend fuma
  bind 127.0.0.1:{self.port}
  default_backend hosts
backend hosts
  balance roundrobin
{servers}""")
        self.haproxy = subprocess.Popen(["haproxy", "-f", conf, "-db"], stdout=subprocess.DEVNULL,
                                        stderr=open(os.path.join(self.dir, "haproxy.log"), "wb"))
        wait_listening(self.port, self.haproxy, "haproxy")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def cpu(self):
        """CPU ticks so far, by kind of process."""
        out = {"fuma-host": sum(cpu_ticks(p.pid) for p, _ in self.hosts)}
        if self.postgres:
            out["postgres"] = self.postgres.ticks()
        if self.haproxy:
            out["haproxy"] = cpu_ticks(self.haproxy.pid)
        return out

    def peak_rss_mb(self):
        return max(vm_hwm_mb(p.pid) for p, _ in self.hosts)

    def stop(self):
        if self.haproxy:
            self.haproxy.terminate()
            self.haproxy.wait()
        for proc, _ in self.hosts:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in self.hosts:
            proc.wait(timeout=30)
        for log in self.logs:
            log.close()

    # --- the benchmark's state, made over HTTP

    def login_staff(self):
        self.shouli, self.fuhe = Client(self.port), Client(self.port)
        self.shouli.call("/api/staff/staff.login",
                         {"username": "shouli", "password": "shouli-demo-2026"})
        self.fuhe.call("/api/staff/staff.login", {"username": "fuhe", "password": "fuhe-demo-2026"})
        self.made = 0

    def units(self, n):
        """n new units, each logged in with its own picture."""
        out = []
        for _ in range(n):
            self.made += 1
            reg = self.shouli.call("/api/staff/unit.register", {
                "name": f"深圳市压测局{self.made:04d}", "category": "机关",
                "address": "深圳市福田区福中三路1号", "responsible_person": "张明"})
            req = self.shouli.call("/api/staff/credential.request", {
                "uscc": reg["uscc"], "reason": "first", "recipient": "王芳",
                "phone": "13800138000", "requested_on": time.strftime("%Y-%m-%d", time.gmtime())})
            png = self.shouli.call("/api/staff/credential.issue",
                                   {"request": req["request"]["id"], "delivery": "on_site"})
            unit = Client(self.port)
            cap = json.loads(unit.request("GET", "/api/session.captcha?format=json")[1])
            login = unit.call("/api/session.login",
                              {"captcha_id": cap["captcha_id"], "captcha_answer": "FUMA7"},
                              files=png)
            unit.call("/api/session.commit",
                      {"text_version": login["session"]["commitment"]["text_version"]})
            unit.uscc = reg["uscc"]
            out.append(unit)
        return out

    def cookie_file(self, units, path):
        """What full_case.lua reads: each unit's and staff member's cookie
        and the CSRF token made for it."""
        with open(path, "w") as f:
            for u in units:
                f.write(f"unit {u.uscc} {u.cookies['fuma_unit']} {u.cookies['fuma_csrf']}\n")
            for name, c in (("shouli", self.shouli), ("fuhe", self.fuhe)):
                f.write(f"{name} {c.cookies['fuma_staff']} {c.cookies['fuma_csrf']}\n")
        return path

    def prepare_view(self):
        """A case for the view: a unit's 申请变更, saved once."""
        viewer = self.units(1)[0]
        case = viewer.call("/api/application.start", {"business": "change"})["application"]["id"]
        viewer.call("/api/application.save", {"id": case, "fields": {
            "items": [{"item": "address", "new": "深圳市南山区科技园1号"}], "reason": "迁址"}})
        self.view_path = "/api/application.view?args=" + urllib.parse.quote(json.dumps({"id": case}))
        self.view_cookie = f"Cookie: fuma_unit={viewer.cookies['fuma_unit']}"
        self.viewer = viewer


def parse_wrk(out):
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def wrk(args, env=None):
    """Runs wrk: its output, its stderr and the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(["wrk"] + args, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {proc.stderr[:500]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return proc.stdout, proc.stderr, spent


class Meter:
    """CPU time by kind of process over one run, and the machine's."""

    def __init__(self, target):
        self.target = target
        self.load = os.getloadavg()[0]
        self.before = target.cpu()
        self.machine = machine_ticks()
        self.started = time.monotonic()

    def line(self, wrk_seconds):
        after = self.target.cpu()
        busy, steal, total = (b - a for a, b in zip(self.machine, machine_ticks()))
        wall = time.monotonic() - self.started
        parts = [f"{k} {(after[k] - self.before[k]) / TICK:.1f}" for k in after]
        parts.append(f"wrk {wrk_seconds:.1f}")
        cpus = os.cpu_count()
        return (f"#   cpu_s over {wall:.1f} s wall ({cpus} CPUs, {wall * cpus:.1f} CPU-s): "
                + ", ".join(parts)
                + f"; machine busy {busy / TICK:.1f}, steal {steal / TICK:.1f}, "
                f"load before {self.load:.1f}")


def view_run(target, conns, duration):
    meter = Meter(target)
    out, _, wrk_s = wrk(["-t2", f"-c{conns}", f"-d{duration}s", "--latency", "--timeout", "10s",
                         "-H", target.view_cookie, target.base + target.view_path])
    rate, p99, errors = parse_wrk(out)
    return rate, p99, errors, meter.line(wrk_s)


def full_run(target, units, duration, scratch):
    # One unit per connection and a spare for each of wrk's two threads (wrk
    # calls the first thread's request() once before connecting, to check the
    # script, and that request is never sent).
    cookies = target.cookie_file(target.units(units + 2),
                                 os.path.join(scratch, f"cookies-{time.monotonic_ns()}.txt"))
    env = dict(os.environ, FUMA_BENCH_COOKIES=cookies, FUMA_BENCH_THREADS="2")
    meter = Meter(target)
    out, err, wrk_s = wrk(["-t2", f"-c{units}", f"-d{duration}s", "--latency",
                           "-s", os.path.join(HERE, "full_case.lua"), target.base + "/"], env)
    cases = re.search(r"full_cases (\d+) errors (\d+) seconds ([\d.]+) cases_per_second ([\d.]+)",
                      out)
    rate, p99, _ = parse_wrk(out)
    return rate, p99, float(cases.group(4)), int(cases.group(1)), int(cases.group(2)), \
        err.strip(), meter.line(wrk_s)


def pg_floor(postgres, duration):
    """What the server the targets use does on these cores with no host at
    all: pgbench's cheapest read (select-only), its durable write
    (simple-update), and that write's statements ten to a commit, as a host's
    writes share one. A million accounts in a schema of their own, 64
    clients, prepared statements; with how busy the whole machine was."""
    pgbench = os.path.join(os.environ.get("FUMA_PG_BINDIR", "/usr/lib/postgresql/15/bin"),
                           "pgbench")
    uri = postgres.schema("pgbench_floor")
    subprocess.run([pgbench, "-i", "-s", "10", "-q", uri], check=True, capture_output=True)
    # simple-update's statements ten times over in one transaction.
    accounts = [f"\\set aid{i} random(1, 100000 * :scale)" for i in range(10)]
    statements = [line for i in range(10) for line in (
        f"UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid{i};",
        f"SELECT abalance FROM pgbench_accounts WHERE aid = :aid{i};",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
        f"VALUES (1, 1, :aid{i}, :delta, CURRENT_TIMESTAMP);")]
    batch = accounts + ["\\set delta random(-5000, 5000)", "BEGIN;"] + statements + ["END;"]
    script = os.path.join(os.environ["FUMA_TEST_PG_DIR"], "batch10.sql")
    with open(script, "w") as f:
        f.write("\n".join(batch) + "\n")
    for name, flags, per_transaction, what in (
            ("select-only", ["-S"], 1, "one SELECT by key"),
            ("simple-update", ["-N"], 1, "UPDATE, SELECT, INSERT, COMMIT"),
            ("ten-a-commit", ["-f", script], 10, "ten of UPDATE, SELECT, INSERT, one COMMIT")):
        meter = machine_ticks()
        out = subprocess.run([pgbench, *flags, "-M", "prepared", "-c", "64", "-j", "2",
                              "-T", str(duration), uri],
                             check=True, capture_output=True, text=True).stdout
        busy, _, total = (b - a for a, b in zip(meter, machine_ticks()))
        tps = float(re.search(r"tps = ([\d.]+)", out).group(1)) * per_transaction
        print(f"{'pg-floor':11s} {name:14s} clients 64 per_s {tps:8.0f} machine busy "
              f"{busy / total:.2f}  (pgbench: {what})", flush=True)


def single(target, opts, scratch):
    """Every run against one target, nginx as the yardstick."""
    base, d = target.base, opts.duration
    # The yardstick serves exactly what /api/uscc/{code} answers.
    uscc = target.viewer.call("/api/session.get")["session"]["unit"]["uscc"]
    _, same_bytes = target.viewer.request("GET", f"/api/uscc/{uscc}")
    root = os.path.join(scratch, "www")
    prefix = os.path.join(scratch, "nginx")
    os.makedirs(os.path.join(root, "api", "uscc"))
    os.makedirs(prefix)
    with open(os.path.join(root, "api", "uscc", uscc), "wb") as f:
        f.write(same_bytes)
    nginx_port = free_port()
    with open(os.path.join(HERE, "nginx.conf.in")) as f:
        conf = (f.read().replace("@PORT@", str(nginx_port)).replace("@ROOT@", root)
                .replace("@PREFIX@", prefix))
    conf_path = os.path.join(prefix, "nginx.conf")
    with open(conf_path, "w") as f:
        f.write(conf)
    nginx = subprocess.Popen(["nginx", "-c", conf_path, "-p", prefix + "/"],
                             stderr=subprocess.DEVNULL)
    try:
        wait_listening(nginx_port, nginx, "nginx")
        print(f"# {os.cpu_count()} CPUs, wrk -t2, {d} s a run, {len(same_bytes)}-byte uscc answer,"
              f" target {target.spec}")
        runs = [
            ("nginx-static", f"http://127.0.0.1:{nginx_port}/api/uscc/{uscc}", 64, ()),
            ("uscc", f"{base}/api/uscc/{uscc}", 64, ()),
            ("case-view", base + target.view_path, 64, (target.view_cookie,)),
            ("case-view-256", base + target.view_path, 256, (target.view_cookie,)),
        ]
        for name, url, conns, headers in runs:
            if opts.only and name not in opts.only:
                continue
            cmd = ["-t2", f"-c{conns}", f"-d{d}s", "--latency", "--timeout", "10s"]
            for h in headers:
                cmd += ["-H", h]
            meter = Meter(target)
            out, _, wrk_s = wrk(cmd + [url])
            rate, p99, errors = parse_wrk(out)
            mem = "" if name.startswith("nginx") else f" peak_rss_mb {target.peak_rss_mb():.1f}"
            print(f"{name:14s} connections {conns:4d} req_per_s {rate:10.0f} p99_ms {p99:8.2f}"
                  f" non2xx {errors}{mem}", flush=True)
            if not name.startswith("nginx"):
                print(meter.line(wrk_s), flush=True)
    finally:
        nginx.terminate()
        nginx.wait()
    if target.postgres and (not opts.only or "pg-floor" in opts.only):
        pg_floor(target.postgres, d)
    if opts.only and "full-cases" not in opts.only:
        return
    rate, p99, per_s, cases, errors, err, cpu = full_run(target, opts.units, d, scratch)
    print(f"{'full-cases':14s} connections {opts.units:4d} req_per_s {rate:10.0f} p99_ms "
          f"{p99:8.2f} cases_per_s {per_s:.1f} cases {cases} errors {errors} "
          f"peak_rss_mb {target.peak_rss_mb():.1f}")
    print(cpu)
    if err:
        print("# full-cases stderr: " + err[:500])


def compare(targets, opts, scratch, postgres):
    """case-view and full-cases on every target, A B B A, medians at the end."""
    d = opts.duration
    order = targets + targets[::-1]
    print(f"# {os.cpu_count()} CPUs, wrk -t2, {d} s a run, order "
          f"{' '.join(t.spec for t in order)} x {opts.rounds}", flush=True)
    results = {}
    for run in ("case-view", "full-cases"):
        if opts.only and run not in opts.only:
            continue
        for _ in range(opts.rounds):
            for t in order:
                if run == "case-view":
                    rate, p99, errors, cpu = view_run(t, 64, d)
                    value = rate
                    print(f"{run:11s} {t.spec:14s} connections 64 req_per_s {rate:8.0f} "
                          f"p99_ms {p99:7.2f} non2xx {errors}")
                else:
                    rate, p99, per_s, cases, errors, err, cpu = full_run(t, opts.units, d, scratch)
                    value = per_s
                    print(f"{run:11s} {t.spec:14s} connections {opts.units} req_per_s {rate:8.0f} "
                          f"p99_ms {p99:7.2f} cases_per_s {per_s:7.1f} errors {errors}")
                    if err:
                        print("#   stderr: " + err[:300])
                print(cpu, flush=True)
                results.setdefault((run, t.spec), []).append(value)
    if postgres and (not opts.only or "pg-floor" in opts.only):
        pg_floor(postgres, d)
    print("# medians")
    first = targets[0].spec
    for (run, spec), values in results.items():
        med = statistics.median(values)
        ratio = med / statistics.median(results[(run, first)])
        unit = "req_per_s" if run == "case-view" else "cases_per_s"
        print(f"{run:11s} {spec:14s} median {unit} {med:8.1f} ({ratio:.2f} of {first}) "
              f"runs {' / '.join(f'{v:.0f}' for v in values)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--units", type=int, default=64,
                    help="units driving full cases, one connection each")
    ap.add_argument("--only", action="append", default=[], choices=RUNS,
                    help="run only this one (repeatable)")
    ap.add_argument("--target", action="append", default=[],
                    help="sqlite, postgresql or postgresql:N (repeatable; default sqlite)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="with several targets: how many times the A B B A order is run")
    opts, host_args = ap.parse_known_args()
    specs = opts.target or ["sqlite"]
    if any(s.startswith("postgresql") for s in specs) and "FUMA_TEST_STORE" not in os.environ:
        # A durable PostgreSQL of our own, for as long as this script runs.
        os.execv(PG_SERVER, [PG_SERVER, "--durable", sys.executable] + sys.argv)
    postgres = Postgres() if "FUMA_TEST_STORE" in os.environ else None

    scratch = tempfile.mkdtemp(prefix="fuma-bench-http-")
    targets = []
    try:
        for spec in specs:
            targets.append(Target(spec, opts.host, scratch, host_args, postgres))
            targets[-1].login_staff()
            targets[-1].prepare_view()
        if len(targets) == 1:
            single(targets[0], opts, scratch)
        else:
            compare(targets, opts, scratch, postgres)
    finally:
        for t in targets:
            t.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
