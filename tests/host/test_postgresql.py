# SPDX-License-Identifier: Apache-2.0
"""fuma-host on a PostgreSQL store, run by ctest's pg.host inside
tests/support/pg-server: two hosts share one database; while the database
is down every request that needs it is 503 STORE_UNAVAILABLE with
Retry-After, and the hosts reconnect by themselves once it is back; a
writer stalled while it holds the audit chain's lock keeps the others
waiting no longer than postgresql_wait_ms. (Several hosts behind a
balancer: test_multihost.py.)"""

import json
import os
import re
import subprocess
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import PG_SERVER, Client, Host, assert_api_error, wait_for_log


@pytest.fixture
def store(pg_store):
    return pg_store


def start(tmp_path, store, name, *args):
    """A host on the store, with a data directory of its own and the key file
    every host of the database shares."""
    return Host(tmp_path / name, "--store", store, "--engine-option",
                f"key_file={tmp_path / 'master.key'}", *args, data=tmp_path / name / "data")


def lookup(host, query):
    args = urllib.parse.quote(json.dumps({"query": query}, ensure_ascii=False))
    return host.request("GET", "/api/unit.lookup?args=" + args)


def test_two_hosts_on_one_database_see_each_others_writes(tmp_path, store):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = start(tmp_path, store, "a", "--demo")
    try:
        # The first host made the demo's units; the second finds them.
        b = start(tmp_path, store, "b")
        try:
            for host in (a, b):
                status, _, body = lookup(host, "深圳市演示局")
                assert status == 200, body
                assert json.loads(body)["units"], body
        finally:
            b.stop()
    finally:
        a.stop()


def test_the_database_down_is_503_with_retry_after_and_the_host_comes_back(tmp_path, store):
    (tmp_path / "a").mkdir()
    host = start(tmp_path, store, "a", "--demo")
    try:
        status, _, _ = lookup(host, "深圳市演示局")
        assert status == 200
        subprocess.run([PG_SERVER, "--stop"], check=True)
        try:
            status, headers, body = lookup(host, "深圳市演示局")
            assert status == 503, body
            error = json.loads(body)["error"]
            assert error["code"] == "STORE_UNAVAILABLE"
            assert error["message"] == "服务暂不可用，请稍后重试"
            assert headers["Retry-After"] == "2"
        finally:
            subprocess.run([PG_SERVER, "--start"], check=True)
        # Back without a restart of the host: the pool opens new connections.
        deadline = time.monotonic() + 30
        while True:
            status, _, body = lookup(host, "深圳市演示局")
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == 200, body
        assert json.loads(body)["units"]
    finally:
        host.stop()


def test_a_write_stalled_holding_the_chain_holds_other_writers_up_no_longer_than_the_wait(
        tmp_path, store):
    (tmp_path / "a").mkdir()
    host = start(tmp_path, store, "a", "--demo", "--engine-option", "postgresql_wait_ms=1500")
    try:
        staff = Client(host, "staff", timeout=30)
        staff.login_staff("shouli")
        # Another process inside a write, stalled while it holds the lock
        # every write takes first (a host stopped mid-transaction, say).
        holder = subprocess.Popen(["psql", "-X", "-q", "-At", store], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            holder.stdin.write("BEGIN;\nSELECT seq FROM audit_head FOR UPDATE;\n\\echo locked\n")
            holder.stdin.flush()
            while holder.stdout.readline().strip() != "locked":
                pass
            # The write is told, not kept waiting (the client gives up
            # after 30 s, which fails the test).
            unit = {"name": "深圳市等待局", "category": "机关", "address": "深圳市福田区1号",
                    "responsible_person": "王五"}
            reply = staff.call("unit.register", unit)
            error = assert_api_error(reply, 503, "STORE_UNAVAILABLE")
            assert reply.headers["Retry-After"] == "2"
            assert "lock" in error["detail"]
            # Reads go on meanwhile: they take no lock.
            status, _, body = lookup(host, "深圳市演示局")
            assert status == 200 and json.loads(body)["units"], body
        finally:
            holder.stdin.write("ROLLBACK;\n")
            holder.stdin.close()
            holder.wait(timeout=30)
        # The lock given up, writes go through again, on the same pool.
        reply = staff.call("unit.register", unit)
        assert reply.status == 200, reply
    finally:
        host.stop()


def test_a_host_on_postgresql_reads_on_4_threads_a_cpu_with_a_connection_each(tmp_path, store):
    """Reads on PostgreSQL wait for the server's answers: the host runs more
    of them at once than on SQLite (4 a CPU), and gives the store a
    connection for each and two for the writes, unless told otherwise."""
    cpus = os.cpu_count()
    (tmp_path / "a").mkdir()
    host = start(tmp_path, store, "a", "--demo")
    try:
        assert f" readers={4 * cpus} " in wait_for_log(host, "event=start")[0]
        # More reads at once than readers: each is answered, and the store
        # keeps no more connections than its readers and two.
        with ThreadPoolExecutor(max_workers=8 * cpus) as pool:
            answers = list(pool.map(lambda _: lookup(host, "深圳市演示局"), range(32 * cpus)))
        assert [status for status, _, _ in answers] == [200] * (32 * cpus)
        status, _, body = host.request("GET", "/metrics")
        assert status == 200
        found = re.search(rb"^fuma_store_connections (\d+)$", body, re.M)
        assert found, body[:500]
        assert 1 <= int(found.group(1)) <= 4 * cpus + 2
    finally:
        host.stop()
