# SPDX-License-Identifier: Apache-2.0
"""fuma-host's command line."""

import json
import os
import socket
import subprocess

import pytest

from conftest import Client, Demo, Host, host_binary, postgresql_store, start_demo, wait_for_log

OPTIONS = ["--listen", "--data", "--threads", "--readers", "--max-body", "--timeout",
           "--max-connections", "--help"]


def run(*args):
    return subprocess.run([host_binary(), *args], capture_output=True, text=True, timeout=30)


def test_help_exits_0_and_documents_every_option():
    result = run("--help")
    assert result.returncode == 0
    for option in OPTIONS:
        assert option in result.stdout, option


@pytest.mark.parametrize("option", ["nonsense=1", "session_idle_seconds=0", "font_index=-1",
                                    "no-equals", "=1", "captcha_answer=X", "crypto_suite=gm",
                                    "public_url=https://x.example"])
def test_an_engine_option_the_engine_refuses_exits_2_with_the_usage(tmp_path, option):
    result = run("--data", str(tmp_path / "d"), "--listen", "127.0.0.1:0",
                 "--engine-option", option)
    assert result.returncode == 2
    assert "--engine-option" in result.stderr and "usage:" in result.stderr
    assert not (tmp_path / "d").exists()


def test_an_engine_option_reaches_the_engine(tmp_path):
    # The engine opens the named workflow file: one that is not there stops it.
    missing = tmp_path / "no-workflow.json"
    result = run("--data", str(tmp_path / "d"), "--listen", "127.0.0.1:0",
                 f"--engine-option=workflow_path={missing}")
    assert result.returncode == 1
    assert str(missing) in result.stderr


def test_the_crypto_suite_is_chosen_when_the_database_is_made_and_kept(tmp_path):
    data = tmp_path / "d"
    made = Host(tmp_path, "--engine-option", "crypto_suite=sm", data=data)
    try:
        assert made.get_json("/healthz")[2]["crypto_suite"] == "sm"
    finally:
        made.stop()
    reopened = Host(tmp_path, data=data)
    try:
        assert reopened.get_json("/healthz")[2]["crypto_suite"] == "sm"
    finally:
        reopened.stop()
    result = run("--data", str(data), "--listen", "127.0.0.1:0",
                 "--engine-option", "crypto_suite=standard")
    assert result.returncode == 1
    assert "crypto_suite" in result.stderr
    assert "'sm'" in result.stderr and "'standard'" in result.stderr


def test_help_says_the_timeout_also_bounds_answers_and_handshakes():
    lines = run("--help").stdout.split("--timeout", 1)[1].split("\n  --", 1)[0]
    said = " ".join(lines.split())
    assert "read an answer" in said and "TLS handshake" in said, said


@pytest.mark.parametrize("args", [
    ["--bogus"],
    ["positional"],
    [],                                        # no --data
    ["--data"],                                # no value
    ["--listen", "nonsense"],
    ["--listen", "127.0.0.1"],                 # no port
    ["--listen", "127.0.0.1:65536"],
    ["--listen", "127.0.0.1:-1"],
    ["--listen", "::1:8080"],                  # IPv6 without brackets
    ["--listen", "[::1]8080"],
    ["--listen", "localhost:8080"],            # names are not resolved
    ["--threads", "0"],
    ["--threads", "two"],
    ["--max-body", "-5"],
    ["--timeout", "0"],
    ["--timeout", "1.5"],
    ["--max-connections", "0"],
    ["--readers", "0"],
    ["--readers", "many"],
])
def test_bad_command_line_exits_2_with_usage(tmp_path, args):
    if "--data" not in args and args != []:
        args = ["--data", str(tmp_path / "d"), *args]
    result = run(*args)
    assert result.returncode == 2
    assert "usage: fuma-host" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "d").exists()


def test_unusable_data_directory_exits_1(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run("--listen", "127.0.0.1:0", "--data", str(blocker / "sub"))
    assert result.returncode == 1
    assert "data directory" in result.stderr


def test_address_in_use_exits_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "d"))
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


def test_a_demo_on_the_sm_suite_signs_with_sm2_and_its_units_log_in(tmp_path):
    """An authority run entirely on the SM suite, through the host: SM3
    for the audit chain, an SM2 signing key, and a unit logging in with
    the SM2-signed picture the demo issued."""
    host, readme = start_demo(tmp_path, "--engine-option", "crypto_suite=sm")
    try:
        demo = Demo(host, readme)
        assert host.get_json("/healthz")[2]["crypto_suite"] == "sm"
        unit = Client(host)
        session = unit.login_unit(demo.picture["long-term"]).json["session"]
        assert session["unit"]["uscc"] == demo.uscc["long-term"]
        admin = Client(host, "staff")
        admin.login_staff("guanli")
        keys = admin.get("keys.list", fmt="json").json["keys"]
        assert [k["suite"] for k in keys] == ["sm2"]
        assert keys[0]["algorithm"] == "SM2"
        checked = run("verify-audit", "--data", str(host.data))
        assert checked.returncode == 0, checked.stderr
        verdict = json.loads(checked.stdout)
        assert (verdict["intact"], verdict["digest"]) == (True, "sm3")
    finally:
        host.stop()


def default_readers():
    cpus = os.cpu_count()
    return 4 * cpus if postgresql_store() else max(2, cpus + 1)


@pytest.mark.parametrize("args, readers", [
    ([], None),                                   # by the store
    (["--readers", "3"], 3),
    (["--readers", "50", "--workers", "8"], 8),   # at most the workers
])
def test_the_readers_are_as_given_or_chosen_by_the_store_and_at_most_the_workers(
        start_host, args, readers):
    host = start_host(*args)
    expected = default_readers() if readers is None else readers
    assert f" readers={expected} " in wait_for_log(host, "event=start")[0]
    status, _, _ = host.request("GET", "/healthz")
    assert status == 200
