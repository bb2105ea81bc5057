# SPDX-License-Identifier: Apache-2.0
"""fuma-host's start and stop: the listening line, IPv6, and shutdown on
SIGINT and SIGTERM."""

import json
import os
import re
import signal
import socket
import time

import pytest

from conftest import read_response, wait_for_log, wait_until_read


def test_listening_line_names_the_bound_port(start_host):
    host = start_host()
    assert re.fullmatch(r"fuma-host listening on http://127\.0\.0\.1:\d+", host.line)
    assert host.port != 0
    assert host.request("GET", "/healthz")[0] == 200


def test_missing_data_directory_is_created(start_host, tmp_path):
    data = tmp_path / "a" / "b"
    start_host(data=data)
    assert data.is_dir()
    assert (data / "fuma.db").exists()


@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_0_quickly_and_leaves_the_database(start_host, signo):
    host = start_host()
    assert host.request("GET", "/healthz")[0] == 200
    host.signal(signo)
    assert host.wait() == 0
    # Nothing was open, so it did not wait for the shutdown deadline.
    assert "deadline=true" not in host.log()
    assert (host.data / "fuma.db").is_file()
    assert "event=shutdown signal=" + signo.name in host.log()


def test_shutdown_closes_idle_keep_alive_connections_at_once(start_host):
    host = start_host("--timeout", "60")
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock)[0] == 200
        host.signal(signal.SIGTERM)
        assert host.wait() == 0
        # Closed at once: not left for the 60 s timeout nor for the
        # shutdown deadline to cut.
        assert "deadline=true" not in host.log()
        sock.settimeout(5)
        assert sock.recv(1) == b""


def test_request_in_flight_at_shutdown_is_answered_with_connection_close(start_host):
    host = start_host("--timeout", "60")
    with host.socket() as sock:
        sock.sendall(b"GET /api/uscc/91350100M000100Y43 HTTP/1.1\r\n")  # half a request
        wait_until_read(host, sock)
        host.signal(signal.SIGTERM)
        wait_for_log(host, "event=shutdown signal=SIGTERM open=1")
        assert host.proc.poll() is None  # waiting for the request to finish
        sock.sendall(b"Host: x\r\n\r\n")
        status, headers, body = read_response(sock)
        assert status == 200
        assert headers["connection"] == "close"
        assert json.loads(body)["valid"] is True
    assert host.wait() == 0


def test_shutdown_refuses_new_connections(start_host):
    host = start_host("--timeout", "60")
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # keeps the host in shutdown
        wait_until_read(host, sock)
        host.signal(signal.SIGTERM)
        # The listening socket is closed right after this line is logged.
        wait_for_log(host, "event=shutdown signal=SIGTERM open=1")
        with pytest.raises(OSError):
            with socket.create_connection((host.host, host.port), timeout=2) as late:
                late.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if not late.recv(1):
                    raise ConnectionResetError("closed")
    assert host.wait() == 0


def test_shutdown_deadline_bounds_a_stalled_request(start_host):
    host = start_host("--timeout", "60")
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # and never the rest
        wait_until_read(host, sock)
        start = time.monotonic()
        host.signal(signal.SIGTERM)
        assert host.wait() == 0
        # It waited for the request, up to the 5 s deadline, and no longer
        # than the 60 s timeout would have.
        assert "event=shutdown deadline=true open=1" in host.log()
        assert 4 <= time.monotonic() - start < 60


def test_ipv6_literal_listen_address(start_host):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    host = start_host(listen="[::1]:0")
    assert re.fullmatch(r"fuma-host listening on http://\[::1\]:\d+", host.line)
    assert host.request("GET", "/healthz")[0] == 200


def test_every_write_acknowledged_before_shutdown_is_there_after_a_restart(tmp_path):
    """Writers keep registering units while SIGTERM arrives: each unit whose
    registration was answered 200 is in the database the next host opens,
    whether its commit was its own or shared with others."""
    import threading

    from conftest import Client, start_demo

    host, _ = start_demo(tmp_path)
    acknowledged = []
    written = threading.Condition()
    stop = threading.Event()

    def writer(n):
        client = Client(host, "staff")
        client.login_staff("shouli")
        i = 0
        while not stop.is_set():
            i += 1
            try:
                reply = client.call("unit.register", {
                    "name": f"深圳市停机测试{n}局{i}", "category": "机关",
                    "address": "深圳市福田区", "responsible_person": "张三"})
            except OSError:
                return  # the host has gone
            if reply.status == 200:
                with written:
                    acknowledged.append(reply.json["uscc"])
                    written.notify()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    # Enough writes under way to test something, however slow the machine;
    # the signal then arrives while the writers keep writing.
    with written:
        assert written.wait_for(lambda: len(acknowledged) > 10, timeout=120), \
            "the writers wrote nothing for two minutes"
    host.signal(signal.SIGTERM)
    assert host.wait() == 0
    stop.set()
    for t in threads:
        t.join(timeout=30)

    again, _ = start_demo(tmp_path, data=host.data)
    try:
        client = Client(again)
        for uscc in acknowledged:
            reply = client.get("unit.lookup", {"query": uscc})
            assert reply.status == 200, reply
            assert [u["uscc"] for u in reply.json["units"]] == [uscc]
    finally:
        again.stop()


SCHED_BATCH = 3


def thread_policies(pid):
    """{tid: scheduling policy} of every thread of the process."""
    policies = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        policies[int(tid)] = int(fields[38])  # field 41 of stat(5)
    return policies


def test_the_hosts_threads_run_as_batch_threads(start_host):
    # I/O threads from the start; a pool thread once it has run a request.
    host = start_host("--threads", "2")
    assert host.request("GET", "/healthz")[0] == 200
    assert host.request("GET", "/api/session.get")[0] == 401  # an engine read, on a reader
    token = host.get_json("/api/csrf")[2]["csrf"]
    assert host.request("POST", "/api/session.logout", headers={
        "Cookie": f"fuma_csrf={token}", "X-CSRF-Token": token})[0] == 401  # on a worker
    # A thread sets its policy itself, which on a busy machine may come a
    # little after the answer it sent: wait for it, with a generous deadline.
    deadline = time.monotonic() + 30
    policies = thread_policies(host.proc.pid)
    while sum(p == SCHED_BATCH for p in policies.values()) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
        policies = thread_policies(host.proc.pid)
    assert policies[host.proc.pid] == SCHED_BATCH  # the main thread serves I/O
    assert sum(p == SCHED_BATCH for p in policies.values()) >= 4, policies
