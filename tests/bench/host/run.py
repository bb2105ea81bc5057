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

and prints one line per run: requests/s, p99 latency, and for fuma-host its
peak resident memory (VmHWM) so far.

usage: run.py FUMA_HOST [--duration S] [--units N] [--only RUN]... [fuma-host options...]
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
CSRF = "benchmark-csrf-token-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port):
        self.port = port
        self.cookies = {"fuma_csrf": CSRF}

    def call(self, path, args=None, data=None, files=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"X-CSRF-Token": self.cookies["fuma_csrf"],
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
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
        conn.request("POST", path, body=body, headers=headers)
        res = conn.getresponse()
        payload = res.read()
        for value in res.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        if res.status != 200:
            raise RuntimeError(f"{path}: {res.status} {payload[:300]!r}")
        return payload if res.headers["Content-Type"].startswith("image/") else json.loads(payload)


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def wrk(url, connections, duration, script=None, headers=(), env=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--units", type=int, default=64,
                    help="units driving full cases, one connection each")
    ap.add_argument("--only", action="append", default=[],
                    choices=["nginx-static", "uscc", "case-view", "case-view-256", "full-cases"],
                    help="run only this one (repeatable)")
    opts, opts.host_args = ap.parse_known_args()

    scratch = tempfile.mkdtemp(prefix="fuma-bench-http-")
    port = free_port()
    log = open(os.path.join(scratch, "host.log"), "wb")
    host = subprocess.Popen([opts.host, "--listen", f"127.0.0.1:{port}", "--data",
                             os.path.join(scratch, "data"), "--demo", "--max-connections", "4096",
                             # Every simulated unit logs in from 127.0.0.1.
                             "--max-connections-per-address", "4096",
                             "--engine-option", "captcha_per_minute=100000"] + opts.host_args,
                            stdout=subprocess.PIPE, stderr=log)
    nginx = None
    try:
        line = host.stdout.readline().decode()
        assert line.startswith("fuma-host listening on"), line
        base = f"http://127.0.0.1:{port}"
        # The demo's guide follows the listening line; wait for its end.
        while b"guanli" not in host.stdout.readline():
            pass

        shouli, fuhe = Client(port), Client(port)
        shouli.call("/api/staff/staff.login", {"username": "shouli", "password": "shouli-demo-2026"})
        fuhe.call("/api/staff/staff.login", {"username": "fuhe", "password": "fuhe-demo-2026"})
        units = []
        # One unit per full-case connection and a spare for each of wrk's two
        # threads (wrk calls the first thread's request() once before
        # connecting, to check the script, and that request is never sent),
        # and one more unit whose case is viewed.
        for i in range(opts.units + 2 + 1):
            reg = shouli.call("/api/staff/unit.register", {
                "name": f"深圳市压测局{i:03d}", "category": "机关",
                "address": "深圳市福田区福中三路1号", "responsible_person": "张明"})
            req = shouli.call("/api/staff/credential.request", {
                "uscc": reg["uscc"], "reason": "first", "recipient": "王芳",
                "phone": "13800138000", "requested_on": time.strftime("%Y-%m-%d", time.gmtime())})
            png = shouli.call("/api/staff/credential.issue",
                              {"request": req["request"]["id"], "delivery": "on_site"})
            unit = Client(port)
            cap = unit.call("/api/session.captcha?format=json")
            login = unit.call("/api/session.login",
                              {"captcha_id": cap["captcha_id"], "captcha_answer": "FUMA7"}, files=png)
            unit.call("/api/session.commit",
                      {"text_version": login["session"]["commitment"]["text_version"]})
            unit.uscc = reg["uscc"]
            units.append(unit)
        cookies = os.path.join(scratch, "cookies.txt")
        with open(cookies, "w") as f:
            for u in units[:-1]:
                f.write(f"unit {u.uscc} {u.cookies['fuma_unit']}\n")
            f.write(f"shouli {shouli.cookies['fuma_staff']}\nfuhe {fuhe.cookies['fuma_staff']}\n")
            f.write(f"csrf {CSRF}\n")

        # A case for the view: the first unit's 申请变更, saved once.
        viewer = units[-1]
        case = viewer.call("/api/application.start", {"business": "change"})["application"]["id"]
        viewer.call("/api/application.save", {"id": case, "fields": {
            "items": [{"item": "address", "new": "深圳市南山区科技园1号"}], "reason": "迁址"}})
        view_path = "/api/application.view?args=" + urllib.parse.quote(json.dumps({"id": case}))
        view_cookie = f"Cookie: fuma_unit={viewer.cookies['fuma_unit']}"

        # The yardstick serves exactly what /api/uscc/{code} answers.
        uscc = viewer.call("/api/session.get")["session"]["unit"]["uscc"]
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", f"/api/uscc/{uscc}")
        same_bytes = conn.getresponse().read()
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
        time.sleep(0.5)

        d = opts.duration
        print(f"# {os.cpu_count()} CPUs, wrk -t2, {d} s a run, {len(same_bytes)}-byte uscc answer")
        runs = [
            ("nginx-static", f"http://127.0.0.1:{nginx_port}/api/uscc/{uscc}", 64, None, ()),
            ("uscc", f"{base}/api/uscc/{uscc}", 64, None, ()),
            ("case-view", base + view_path, 64, None, (view_cookie,)),
            ("case-view-256", base + view_path, 256, None, (view_cookie,)),
        ]
        runs = [r for r in runs if not opts.only or r[0] in opts.only]
        for name, url, conns, script, headers in runs:
            rate, p99, errors, _ = wrk(url, conns, d, script, headers)
            mem = "" if name.startswith("nginx") else f" peak_rss_mb {vm_hwm_mb(host.pid):.1f}"
            print(f"{name:14s} connections {conns:4d} req_per_s {rate:10.0f} p99_ms {p99:8.2f}"
                  f" non2xx {errors}{mem}", flush=True)
        if opts.only and "full-cases" not in opts.only:
            return 0
        env = dict(os.environ, FUMA_BENCH_COOKIES=cookies, FUMA_BENCH_THREADS="2")
        cmd = ["wrk", "-t2", f"-c{opts.units}", f"-d{d}s", "--latency",
               "-s", os.path.join(HERE, "full_case.lua"), base + "/"]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        cases = re.search(r"full_cases (\d+) errors (\d+) seconds ([\d.]+) cases_per_second ([\d.]+)",
                          out.stdout)
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1))
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out.stdout)
        p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
        print(f"{'full-cases':14s} connections {opts.units:4d} req_per_s {rate:10.0f} p99_ms "
              f"{p99_ms:8.2f} cases_per_s {float(cases.group(4)):.1f} cases {cases.group(1)} "
              f"errors {cases.group(2)} peak_rss_mb {vm_hwm_mb(host.pid):.1f}")
        if out.stderr.strip():
            print("# full-cases stderr: " + out.stderr.strip()[:500])
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        host.send_signal(signal.SIGTERM)
        host.wait(timeout=30)
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
