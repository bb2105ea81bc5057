# SPDX-License-Identifier: Apache-2.0
"""Operating the host: GET /metrics in the Prometheus text format, the
readiness check GET /readyz beside the liveness check /healthz, and request
ids that follow one request from the access log to the audit log."""

import math
import re
import shutil
import sqlite3
import time

import pytest

from conftest import Client, Reply, assert_api_error, start_demo, wait_for_log

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# --- A parser of the text exposition format, version 0.0.4 -------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
# A label value: any character but \ " and line feed, or one of the three
# escapes the format defines.
VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"({NAME})(?:\{{((?:{LABEL}={VALUE})(?:,{LABEL}={VALUE})*)?\}})? (\S+)$")
PAIR = re.compile(rf"({LABEL})=({VALUE})")


def unescape(quoted):
    out, i, body = [], 0, quoted[1:-1]
    while i < len(body):
        if body[i] == "\\":
            out.append({"\\": "\\", '"': '"', "n": "\n"}[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def number(text):
    """A sample value as the format writes it (Go's ParseFloat syntax)."""
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    assert re.fullmatch(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", text), text
    return float(text)


class Exposition:
    """A parsed page: families {name: {"type", "help", "samples"}}, each
    sample (name, {label: value}, float). Fails on anything malformed."""

    def __init__(self, text):
        assert text.endswith("\n"), "the last line must end with a line feed"
        self.families = {}
        current = None
        for line in text.split("\n")[:-1]:
            assert line.strip(), "no blank lines"
            if line.startswith("# HELP "):
                name, _, help_text = line[7:].partition(" ")
                assert re.fullmatch(NAME, name), line
                # Only \\ and \n may be escaped in HELP.
                assert not re.search(r"\\[^\\n]", help_text.replace("\\\\", "")), line
                family = self.families.setdefault(name, {"samples": []})
                assert "help" not in family, f"HELP twice for {name}"
                family["help"] = help_text
                continue
            if line.startswith("# TYPE "):
                name, _, kind = line[7:].partition(" ")
                assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
                family = self.families.setdefault(name, {"samples": []})
                assert "type" not in family, f"TYPE twice for {name}"
                assert not family["samples"], f"TYPE after samples of {name}"
                family["type"] = kind
                current = name
                continue
            assert not line.startswith("#"), line
            m = SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            name, labels, value = m.group(1), m.group(2) or "", m.group(3)
            pairs = {k: unescape(v) for k, v in PAIR.findall(labels)}
            assert len(pairs) == len(PAIR.findall(labels)), f"a label twice: {line}"
            # A sample belongs to the family whose TYPE came last: itself, or
            # for a histogram its _bucket, _sum and _count.
            base = current
            assert base is not None and (
                name == base or (self.families[base]["type"] == "histogram" and
                                 name in (base + "_bucket", base + "_sum", base + "_count"))
            ), f"{name} outside its family's TYPE ({current})"
            self.families[base]["samples"].append((name, pairs, number(value)))
        for name, family in self.families.items():
            assert "type" in family and "help" in family, f"{name} lacks HELP or TYPE"
            if family["type"] == "histogram":
                self._check_histogram(name, family["samples"])
            if family["type"] == "counter":
                assert name.endswith("_total"), name

    @staticmethod
    def _check_histogram(name, samples):
        series = {}
        for sample_name, labels, value in samples:
            key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            s = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
            if sample_name == name + "_bucket":
                s["buckets"].append((number(labels["le"]), value))
            elif sample_name == name + "_sum":
                s["sum"] = value
            else:
                s["count"] = value
        for key, s in series.items():
            bounds = [b for b, _ in s["buckets"]]
            counts = [c for _, c in s["buckets"]]
            assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds), (name, key)
            assert bounds and math.isinf(bounds[-1]), f"{name}{key}: no +Inf bucket"
            assert counts == sorted(counts), f"{name}{key}: buckets not cumulative"
            assert s["count"] is not None and s["sum"] is not None, (name, key)
            assert counts[-1] == s["count"], f"{name}{key}: +Inf is not _count"
            assert s["sum"] >= 0

    def value(self, name, **labels):
        """The value of the one sample of `name` with these labels (those
        not named may be anything), or None."""
        found = [v for _, ls, v in self.samples(name)
                 if all(ls.get(k) == w for k, w in labels.items())]
        assert len(found) <= 1, (name, labels, found)
        return found[0] if found else None

    def samples(self, name):
        for family in self.families.values():
            for sample in family["samples"]:
                if sample[0] == name:
                    yield sample


def scrape(host, **kw):
    status, headers, body = host.request("GET", "/metrics", **kw)
    assert status == 200, body
    assert headers["Content-Type"] == CONTENT_TYPE
    return Exposition(body.decode("utf-8"))


def wait_for_value(host, name, at_least, **labels):
    """Scrapes until the sample reaches at_least: a request is counted when
    its answer's last byte is written, a moment after the client reads it."""
    deadline = time.monotonic() + 30
    while True:
        page = scrape(host)
        value = page.value(name, **labels)
        if value is not None and value >= at_least:
            return page
        assert time.monotonic() < deadline, (name, labels, value, at_least)
        time.sleep(0.05)


# --- /metrics ----------------------------------------------------------------

def test_metrics_are_well_formed_and_name_every_family(start_host):
    host = start_host()
    host.request("GET", "/healthz")
    host.request("GET", "/no/such/page")
    page = wait_for_value(host, "fuma_http_request_duration_seconds_count", 1, route="/healthz")
    families = page.families
    for name, kind in [("fuma_host_info", "gauge"), ("process_start_time_seconds", "gauge"),
                       ("fuma_http_connections_open", "gauge"),
                       ("fuma_http_requests_total", "counter"),
                       ("fuma_http_request_duration_seconds", "histogram"),
                       ("fuma_store_write_retries_total", "counter"),
                       ("fuma_store_connections", "gauge"), ("fuma_store_up", "gauge"),
                       ("fuma_sessions_open", "gauge")]:
        assert families[name]["type"] == kind, name
    assert page.value("fuma_store_up") == 1
    assert page.value("fuma_store_write_retries_total") == 0  # SQLite never retries
    assert page.value("fuma_store_connections") >= 1
    assert page.value("fuma_sessions_open", side="unit") == 0
    assert page.value("fuma_http_connections_open") >= 1  # this scrape's own


def test_requests_are_counted_by_route_pattern_and_status(start_host):
    host = start_host()
    before = scrape(host)
    for _ in range(5):
        assert host.request("GET", "/healthz")[0] == 200
    for code in ("91350100M000100Y43", "91350100M000100Y44"):
        host.request("GET", "/api/uscc/" + code)
    assert host.request("GET", "/private/data/of/unit-42")[0] == 404
    wait_for_value(host, "fuma_http_requests_total", 1, route="unmatched", status="404")
    wait_for_value(host, "fuma_http_requests_total", 2, route="/api/uscc/{code}", status="200")
    page = wait_for_value(host, "fuma_http_requests_total",
                          (before.value("fuma_http_requests_total", route="/healthz",
                                        status="200") or 0) + 5,
                          route="/healthz", status="200")
    assert page.value("fuma_http_requests_total", route="/api/uscc/{code}", status="200") == 2
    assert page.value("fuma_http_request_duration_seconds_count", route="/healthz") >= 5
    # No label holds a path as it was sent.
    text = "\n".join(str(labels) for f in page.families.values() for _, labels, _ in f["samples"])
    for sent in ("91350100M000100Y43", "unit-42", "/private"):
        assert sent not in text


def test_commands_are_counted_with_the_code_of_their_answer(tmp_path):
    host, _ = start_demo(tmp_path)
    try:
        staff = Client(host, "staff")
        reply = staff.call("staff.login", {"username": "guanli", "password": "not-the-password"})
        assert_api_error(reply, 401, "LOGIN_FAILED")
        staff.login_staff("guanli")
        page = wait_for_value(host, "fuma_commands_total", 1, command="staff.login",
                              code="LOGIN_FAILED")
        assert page.value("fuma_commands_total", command="staff.login", code="OK") == 1
        assert page.value("fuma_command_duration_seconds_count", command="staff.login") == 2
        assert page.value("fuma_sessions_open", side="staff") == 1
        wait_for_value(host, "fuma_http_requests_total", 1, route="/api/staff/{command}",
                       status="401")
    finally:
        host.stop()


def test_label_values_are_escaped(start_host):
    host = start_host("--host-id", 'node"7\\b')
    assert scrape(host).value("fuma_host_info", host_id='node"7\\b') == 1
    # The log quotes it: host="node\"7\\b".
    assert wait_for_log(host, r'host="node\"7\\b" event=start')


def test_metrics_are_refused_to_clients_not_on_loopback(start_host):
    host = start_host("--trusted-proxy", "127.0.0.1")
    status, _, body = host.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 403 and b"FORBIDDEN" in body
    assert b"fuma_" not in body


def test_metrics_are_refused_through_a_proxy_the_host_does_not_trust(start_host):
    # A balancer on this machine, not named with --trusted-proxy: its peer
    # address is loopback, but its clients may be anyone.
    host = start_host()
    status, _, _ = host.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 403


def test_metrics_from_lets_a_network_read_them(start_host):
    host = start_host("--trusted-proxy", "127.0.0.1", "--metrics-from", "203.0.113.0/24")
    assert scrape(host, headers={"X-Forwarded-For": "203.0.113.9"}).value("fuma_store_up") == 1
    status, _, _ = host.request("GET", "/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
    assert status == 403


# --- /readyz -----------------------------------------------------------------

def test_readyz_is_200_while_the_store_serves(start_host):
    host = start_host()
    status, headers, doc = host.get_json("/readyz")
    assert status == 200 and doc == {"ok": True, "ready": True}
    assert host.request("HEAD", "/readyz")[0] == 200
    assert host.request("POST", "/readyz")[0] == 405


def test_readyz_is_503_with_retry_after_once_the_store_is_gone_while_healthz_lives(start_host):
    host = start_host()
    assert host.request("GET", "/readyz")[0] == 200
    # The data directory removed under the running host: what it wrote from
    # now on would be lost on the next start.
    shutil.rmtree(host.data)
    status, headers, body = host.request("GET", "/readyz")
    assert status == 503
    assert re.fullmatch(r"[1-9]\d*", headers["Retry-After"])
    error = assert_api_error(Reply(status, headers, body), 503, "STORAGE")
    assert "fuma.db" not in error["detail"]  # the path stays in the log
    assert host.request("GET", "/healthz")[0] == 200
    assert host.request("GET", "/readyz")[0] == 503
    lines = wait_for_log(host, "event=unready")
    assert len(lines) == 1 and "fuma.db" in lines[0]


# --- request ids -------------------------------------------------------------

def test_a_request_id_follows_the_request_to_the_log_and_the_audit_record(tmp_path):
    host, _ = start_demo(tmp_path, "--host-id", "node-1")
    try:
        staff = Client(host, "staff")
        staff.get_csrf()
        reply = staff.call("staff.login", {"username": "guanli",
                                           "password": "guanli-demo-2026"},
                           headers={"X-Request-Id": "abc-123"})
        assert reply.status == 200, reply
        assert reply.headers["X-Request-Id"] == "abc-123"
        lines = wait_for_log(host, "request_id=abc-123")
        assert len(lines) == 1
        assert re.search(r"^ts=\S+ host=node-1 event=request .*"
                         r'path="/api/staff/staff.login" status=200 .* request_id=abc-123$',
                         lines[0]), lines[0]
        with sqlite3.connect(host.data / "fuma.db") as db:
            rows = db.execute("SELECT command FROM audit WHERE request_id = ?",
                              ("abc-123",)).fetchall()
        assert rows == [("staff.login",)]
        verdict = staff.call("audit.verify", {})
        assert verdict.status == 200 and verdict.json["intact"] is True, verdict
    finally:
        host.stop()


@pytest.mark.parametrize("given", ["has space", "x" * 65, "<script>", "a/b", "中文"])
def test_a_malformed_request_id_is_replaced_by_a_drawn_one(start_host, given):
    host = start_host()
    conn = host.connection()
    try:
        conn.putrequest("GET", "/healthz")
        conn.putheader("X-Request-Id", given.encode("utf-8"))
        conn.endheaders()
        res = conn.getresponse()
        res.read()
    finally:
        conn.close()
    assert res.status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", res.headers["X-Request-Id"])


def test_every_answer_carries_a_request_id_of_its_own(start_host):
    host = start_host()
    ids = set()
    for path in ("/healthz", "/healthz", "/no/such/page"):
        _, headers, _ = host.request("GET", path)
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])
        ids.add(headers["X-Request-Id"])
    assert len(ids) == 3
    for request_id in ids:
        wait_for_log(host, "request_id=" + request_id)


def test_a_host_given_an_id_names_itself_in_every_answer(start_host):
    host = start_host("--host-id", "node-7")
    for method, path in (("GET", "/healthz"), ("GET", "/api/csrf"), ("GET", "/no-such-page"),
                         ("HEAD", "/readyz")):
        status, headers, _ = host.request(method, path)
        assert headers["X-Fuma-Host"] == "node-7", (method, path, status)


def test_a_host_without_an_id_does_not_send_the_machines_name(start_host):
    host = start_host()
    _, headers, _ = host.request("GET", "/healthz")
    assert "X-Fuma-Host" not in headers
