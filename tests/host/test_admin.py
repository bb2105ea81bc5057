# SPDX-License-Identifier: Apache-2.0
"""fuma-host's admin subcommands, run beside a running --demo host on the
same data directory (SQLite lets two programs share the file), and --demo's
second start."""

import json
import os
import pathlib
import pty
import re
import select
import signal
import stat
import subprocess
import termios

import pytest

from conftest import Client, host_binary, start_demo

SUBCOMMANDS = {
    "create-authority": ["--data", "--code", "--name", "--division", "--segment"],
    "create-staff": ["--data", "--authority", "--username", "--name", "--roles"],
    "issue-credential": ["--data", "--as", "--uscc", "--recipient", "--phone", "--out",
                         "--reason", "--delivery", "--delivery-note", "--expires-on",
                         "--requested-on"],
    "deliver-credentials": ["--data"],
    "rotate-keys": ["--data", "--authority", "--suite", "--distinguishing-id"],
    "backup": ["--data", "--out"],
    "verify-audit": ["--data"],
    "copy-store": ["--data", "--store", "--from"],
}
PASSWORD = "bendi-admin-2026"


def admin(*args, stdin=""):
    return subprocess.run([host_binary(), *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


PROMPTS = (b"password for ", b"again: ")


def on_terminal(*args, answers):
    """Runs `fuma-host ARGS` with a terminal (a pseudo-terminal) as its stdin,
    stdout and stderr, typing the next of `answers` after each prompt it
    shows. Returns (exit status, everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: never back into pytest
        try:
            os.execv(host_binary(), [host_binary(), *args])
        finally:
            os._exit(127)
    shown, typed = b"", 0
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, "fuma-host showed nothing for 60 s: %r" % shown
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if typed < len(answers) and sum(shown.count(p) for p in PROMPTS) > typed:
                os.write(fd, answers[typed].encode() + b"\n")
                typed += 1
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def data(demo_host):
    return str(demo_host.data)


@pytest.fixture(scope="module")
def authority(data):
    """create-authority then create-staff (admin and acceptor) for it."""
    result = admin("create-authority", "--data", data, "--code", "bendi",
                   "--name", "某某市机构编制委员会办公室", "--division", "440304")
    assert result.returncode == 0, result.stderr
    staff = admin("create-staff", "--data", data, "--authority", "bendi", "--username",
                  "bendi", "--name", "本地管理员", "--roles", "admin,acceptor",
                  stdin=PASSWORD + "\n")
    assert staff.returncode == 0, staff.stderr
    return json.loads(result.stdout)["authority"], json.loads(staff.stdout)["staff"]


@pytest.fixture(scope="module")
def bendi(demo_host, authority):
    """The new staff member, logged in over HTTP, with a unit registered."""
    client = Client(demo_host, "staff")
    client.login_staff("bendi", PASSWORD)
    reply = client.call("unit.register", {"name": "某某市测试办", "category": "机关",
                                          "address": "某某市1号", "responsible_person": "孙七"})
    assert reply.status == 200, reply
    client.uscc = reply.json["uscc"]
    return client


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_each_subcommand_help_exits_0_and_names_its_options(name):
    result = admin(name, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: fuma-host {name} ")
    for option in SUBCOMMANDS[name]:
        assert option in result.stdout, option


def test_main_help_lists_the_subcommands():
    result = admin("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert name in result.stdout


def test_main_help_lists_the_roles_and_the_exit_statuses():
    result = admin("--help")
    for text in ("admin (", "acceptor (", "reviewer (", "YYYY-MM-DD", "Exit status: 0",
                 "2 a wrong command line"):
        assert text in result.stdout, text


def test_create_staff_help_lists_each_role_and_the_exit_statuses():
    result = admin("create-staff", "--help")
    assert result.returncode == 0
    assert re.search(r"^  admin +staff accounts", result.stdout, re.MULTILINE)
    assert re.search(r"^  acceptor +受理", result.stdout, re.MULTILINE)
    assert re.search(r"^  reviewer +复核通过", result.stdout, re.MULTILINE)
    assert "exit status: 0 done" in result.stdout


@pytest.mark.parametrize("args", [
    ["backup", "--data", "/tmp"],                        # --out missing
    ["backup", "--out", "x.db"],                         # --data missing
    ["backup", "--data", "/tmp", "--out"],               # no value
    ["backup", "--data", "/tmp", "--out", "x", "--bogus", "1"],
    ["backup", "stray"],
    ["create-authority", "--data", "/tmp", "--code", "x", "--name", "y"],
    ["rotate-keys", "--data", "/tmp", "--out", "x"],     # another subcommand's option
])
def test_usage_errors_exit_2_with_the_usage(args):
    result = admin(*args)
    assert result.returncode == 2, result
    assert f"usage: fuma-host {args[0]}" in result.stderr
    assert result.stdout == ""


def test_a_directory_without_a_database_exits_1_naming_the_first_step(tmp_path):
    result = admin("rotate-keys", "--data", str(tmp_path), "--authority", "demo")
    assert result.returncode == 1
    assert "no database at %s" % (tmp_path / "fuma.db") in result.stderr
    assert "fuma-host create-authority --data %s" % tmp_path in result.stderr
    assert not (tmp_path / "fuma.db").exists()


def test_create_authority_on_a_new_directory_creates_the_database(tmp_path):
    data = tmp_path / "new" / "data"
    result = admin("create-authority", "--data", str(data), "--code", "xin",
                   "--name", "某某县机构编制委员会办公室", "--division", "440304")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["authority"]["code"] == "xin"
    assert (data / "fuma.db").is_file()
    # The next step works on it.
    staff = admin("create-staff", "--data", str(data), "--authority", "xin", "--username",
                  "xin", "--name", "管理员", "--roles", "admin", stdin=PASSWORD + "\n")
    assert staff.returncode == 0, staff.stderr


def test_create_authority_prints_the_authority(authority):
    created, _ = authority
    assert created["code"] == "bendi" and created["division"] == "440304"


def test_create_authority_twice_exits_1_with_the_engines_message(data, authority):
    result = admin("create-authority", "--data", data, "--code", "bendi", "--name", "重复",
                   "--division", "440304")
    assert result.returncode == 1
    assert "CONFLICT" in result.stderr


def test_create_staff_reads_the_password_from_stdin(authority):
    _, staff = authority
    assert staff["username"] == "bendi" and set(staff["roles"]) == {"admin", "acceptor"}
    assert PASSWORD not in json.dumps(staff)


def test_create_staff_from_a_pipe_shows_no_prompt(data, authority):
    result = admin("create-staff", "--data", data, "--authority", "bendi", "--username",
                   "guandao", "--name", "管道", "--roles", "reviewer", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_create_staff_on_a_terminal_asks_twice_without_echo(demo_host, data, authority):
    secret = "zhongduan-2026!"
    status, shown = on_terminal("create-staff", "--data", data, "--authority", "bendi",
                                "--username", "zhongduan", "--name", "终端", "--roles",
                                "reviewer", answers=[secret, secret])
    assert status == 0, shown
    assert "password for zhongduan: " in shown and "again: " in shown
    assert secret not in shown
    assert '"username":"zhongduan"' in shown
    Client(demo_host, "staff").login_staff("zhongduan", secret)


def test_create_staff_on_a_terminal_with_two_different_passwords_creates_nothing(data,
                                                                                 authority):
    status, shown = on_terminal("create-staff", "--data", data, "--authority", "bendi",
                                "--username", "butong", "--name", "不同", "--roles",
                                "reviewer", answers=["butong-2026-one!", "butong-2026-two!"])
    assert status == 1, shown
    assert "the two passwords differ; nothing was created" in shown
    again = admin("create-staff", "--data", data, "--authority", "bendi", "--username",
                  "butong", "--name", "不同", "--roles", "reviewer", stdin=PASSWORD + "\n")
    assert again.returncode == 0, again.stderr


def test_ctrl_c_at_the_password_prompt_gives_the_terminal_its_echo_back(data, authority):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(host_binary(), [host_binary(), "create-staff", "--data", data,
                                     "--authority", "bendi", "--username", "quxiao",
                                     "--name", "取消", "--roles", "reviewer"])
        finally:
            os._exit(127)
    try:
        shown = b""
        while b"password for " not in shown:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, "no prompt in 60 s: %r" % shown
            shown += os.read(fd, 4096)
        assert not termios.tcgetattr(fd)[3] & termios.ECHO  # off while it asks
        os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT
        assert termios.tcgetattr(fd)[3] & termios.ECHO
    finally:
        os.close(fd)


def test_staff_created_on_the_command_line_logs_in_over_http(bendi):
    assert bendi.uscc[2:8] == "440304"  # the new authority's division


def test_create_staff_with_a_weak_password_exits_1(data, authority):
    result = admin("create-staff", "--data", data, "--authority", "bendi", "--username",
                   "ruomi", "--name", "弱密码", "--roles", "acceptor", stdin="short\n")
    assert result.returncode == 1
    assert "INVALID_ARGUMENT" in result.stderr


def test_issue_credential_writes_a_0600_png_that_logs_in(demo_host, data, bendi, tmp_path):
    out = tmp_path / "unit.png"
    result = admin("issue-credential", "--data", data, "--as", "bendi", "--uscc", bendi.uscc,
                   "--recipient", "王芳", "--phone", "13800138000", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["written_to"] == str(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    png = out.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    unit = Client(demo_host)
    reply = unit.login_unit(png, commit=False)
    assert reply.json["session"]["unit"]["uscc"] == bendi.uscc


def test_issue_credential_refuses_to_overwrite_and_records_nothing(data, bendi, tmp_path):
    out = tmp_path / "exists.png"
    out.write_bytes(b"keep me")
    before = bendi.get("credential.list", {"uscc": bendi.uscc}).json
    result = admin("issue-credential", "--data", data, "--as", "bendi", "--uscc", bendi.uscc,
                   "--reason", "lost", "--recipient", "王芳", "--phone", "13800138000",
                   "--out", str(out))
    assert result.returncode == 1
    assert "exists" in result.stderr
    assert out.read_bytes() == b"keep me"
    assert bendi.get("credential.list", {"uscc": bendi.uscc}).json == before


def test_issue_credential_to_an_unwritable_path_issues_nothing(data, bendi, tmp_path):
    # Issuing for 遗失 revokes the unit's picture: if the new one cannot be
    # written, the unit must not be left with neither.
    before = bendi.get("credential.list", {"uscc": bendi.uscc}).json
    result = admin("issue-credential", "--data", data, "--as", "bendi", "--uscc", bendi.uscc,
                   "--reason", "lost", "--recipient", "王芳", "--phone", "13800138000",
                   "--out", str(tmp_path / "no-such-dir" / "unit.png"))
    assert result.returncode == 1
    after = bendi.get("credential.list", {"uscc": bendi.uscc}).json
    assert after == before, "a credential was issued (and the old one revoked) but not written"


def test_issue_credential_killed_after_the_issue_leaves_a_record_that_delivers(
        start_host, demo_host, data, bendi, tmp_path):
    # The one point where a crash matters: the issue is committed (the old
    # picture revoked) and the new picture not yet written. The test-only
    # hook FUMA_HOST_TEST_STOP_AFTER_ISSUE makes the process kill itself there.
    out = tmp_path / "killed.png"
    before = bendi.get("credential.list", {"uscc": bendi.uscc}).json["credentials"]
    killed = subprocess.run(
        [host_binary(), "issue-credential", "--data", data, "--as", "bendi", "--uscc",
         bendi.uscc, "--reason", "lost", "--recipient", "王芳", "--phone", "13800138000",
         "--out", str(out)],
        env={**os.environ, "FUMA_HOST_TEST_STOP_AFTER_ISSUE": "1"}, capture_output=True,
        text=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not out.exists()
    after = bendi.get("credential.list", {"uscc": bendi.uscc}).json["credentials"]
    assert len(after) == len(before) + 1  # issued: the unit's pictures are revoked

    # Every start names what was issued and not written: a subcommand's...
    notice = f"never written: unit {bendi.uscc}"
    backup = admin("backup", "--data", data, "--out", str(tmp_path / "copy.db"))
    assert backup.returncode == 0, backup.stderr
    assert notice in backup.stderr and str(out) in backup.stderr
    # ...and the server's.
    server = start_host(data=pathlib.Path(data))
    assert notice in server.log()
    server.stop()

    delivered = admin("deliver-credentials", "--data", data)
    assert delivered.returncode == 0, delivered.stderr
    assert json.loads(delivered.stdout)["delivered"][0]["written_to"] == str(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    reply = Client(demo_host).login_unit(out.read_bytes(), commit=False)
    assert reply.json["session"]["unit"]["uscc"] == bendi.uscc
    # The picture delivered is the one issued: nothing more was issued.
    assert len(bendi.get("credential.list", {"uscc": bendi.uscc}).json["credentials"]) == \
        len(after)
    again = admin("backup", "--data", data, "--out", str(tmp_path / "copy2.db"))
    assert notice not in again.stderr


def test_issue_credential_as_an_unknown_staff_member_exits_1(data, bendi, tmp_path):
    out = tmp_path / "nobody.png"
    result = admin("issue-credential", "--data", data, "--as", "nobody", "--uscc", bendi.uscc,
                   "--recipient", "王芳", "--phone", "13800138000", "--out", str(out))
    assert result.returncode == 1
    assert not out.exists()


def test_issue_credential_delivered_otherwise_carries_its_note(data, bendi, tmp_path):
    reply = bendi.call("unit.register", {"name": "某某市另送办", "category": "机关",
                                         "address": "某某市2号", "responsible_person": "周八"})
    assert reply.status == 200, reply
    uscc = reply.json["uscc"]
    result = admin("issue-credential", "--data", data, "--as", "bendi", "--uscc", uscc,
                   "--recipient", "王芳", "--phone", "13800138000",
                   "--out", str(tmp_path / "other.png"), "--delivery", "other",
                   "--delivery-note", "由机要通道转交")
    assert result.returncode == 0, result.stderr
    issued = json.loads(result.stdout)["credential"]
    assert (issued["delivery"], issued["delivery_note"]) == ("other", "由机要通道转交")


def test_engine_options_reach_the_subcommands_engine(start_host, tmp_path):
    # A fresh database with no signing key yet: the first one's key file goes
    # where key_file says, not beside the database.
    host = start_host()
    host.stop()
    data = str(host.data)
    assert admin("create-authority", "--data", data, "--code", "yuanchu", "--name", "某某办",
                 "--division", "440304").returncode == 0
    key = tmp_path / "keys" / "master.key"
    key.parent.mkdir()
    result = admin("rotate-keys", "--data", data, "--authority", "yuanchu",
                   "--engine-option", f"key_file={key}")
    assert result.returncode == 0, result.stderr
    assert key.stat().st_size == 32
    assert not (host.data / "fuma.db.key").exists()


@pytest.mark.parametrize("option", ["nonsense=1", "session_idle_seconds=0", "no-equals",
                                    "captcha_answer=X", "public_url=https://x.example"])
def test_an_engine_option_the_engine_refuses_is_a_usage_error(data, option):
    result = admin("rotate-keys", "--data", data, "--authority", "bendi",
                   "--engine-option", option)
    assert result.returncode == 2, result.stderr
    assert "usage: fuma-host rotate-keys" in result.stderr


def test_rotate_keys_makes_a_new_active_key_seen_over_http(data, bendi):
    before = {k["kid"] for k in bendi.get("keys.list").json["keys"]}
    result = admin("rotate-keys", "--data", data, "--authority", "bendi")
    assert result.returncode == 0, result.stderr
    kid = json.loads(result.stdout)["key"]["kid"]
    assert kid not in before
    after = {k["kid"]: k["status"] for k in bendi.get("keys.list").json["keys"]}
    assert after[kid] == "active"


def test_rotate_keys_with_suite_sm2_moves_the_authority_to_sm2(data, bendi):
    result = admin("rotate-keys", "--data", data, "--authority", "bendi", "--suite", "sm2",
                   "--distinguishing-id", "bendi-440304")
    assert result.returncode == 0, result.stderr
    key = json.loads(result.stdout)["key"]
    assert (key["suite"], key["algorithm"], key["distinguishing_id"]) == (
        "sm2", "SM2", "bendi-440304")
    listed = {k["kid"]: k for k in bendi.get("keys.list").json["keys"]}
    assert (listed[key["kid"]]["status"], listed[key["kid"]]["suite"]) == ("active", "sm2")
    assert any(k["suite"] == "ed25519" and k["status"] == "verifying" for k in listed.values())


def test_rotate_keys_refuses_an_unknown_suite(data):
    result = admin("rotate-keys", "--data", data, "--authority", "bendi", "--suite", "rsa")
    assert result.returncode == 1
    assert "INVALID_ARGUMENT" in result.stderr


def test_rotate_keys_for_an_unknown_authority_exits_1(data):
    result = admin("rotate-keys", "--data", data, "--authority", "nowhere")
    assert result.returncode == 1
    assert "NOT_FOUND" in result.stderr


def test_backup_makes_a_sqlite_file_and_no_key_file(data, tmp_path):
    out = tmp_path / "backup.db"
    result = admin("backup", "--data", data, "--out", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["bytes"] == out.stat().st_size > 0
    assert out.read_bytes()[:16] == b"SQLite format 3\x00"
    assert not (tmp_path / "backup.db.key").exists()


def test_backup_refuses_an_existing_file(data, tmp_path):
    out = tmp_path / "taken.db"
    out.write_bytes(b"precious")
    result = admin("backup", "--data", data, "--out", str(out))
    assert result.returncode == 1
    assert out.read_bytes() == b"precious"


def test_demo_second_start_reuses_the_data(tmp_path):
    first, readme = start_demo(tmp_path)
    usccs = re.findall(r"\b[0-9A-Z]{18}\b", readme)
    assert len(usccs) == 2
    first.stop()
    second, again = start_demo(tmp_path, data=first.data)
    try:
        assert re.findall(r"\b[0-9A-Z]{18}\b", again) == usccs
        assert again.replace(second.url, "{url}") == readme.replace(first.url, "{url}")
        assert "CONFLICT" not in second.log()
        client = Client(second, "staff")
        client.login_staff("shouli")
        lookup = client.get("unit.lookup", {"query": "深圳市演示"})
        assert sorted(u["uscc"] for u in lookup.json["units"]) == sorted(usccs)
    finally:
        second.stop()


def test_demo_readme_names_the_pictures_the_accounts_and_the_url(demo_host):
    readme = demo_host.demo.readme
    assert f"{demo_host.url}/unit.html" in readme
    assert f"{demo_host.url}/staff.html" in readme
    for user in ["shouli / shouli-demo-2026", "fuhe / fuhe-demo-2026",
                 "guanli / guanli-demo-2026"]:
        assert user in readme
    assert (demo_host.data / "demo" / "README.txt").is_file()
    for kind in ["long-term", "fixed-term"]:
        path = demo_host.data / "demo" / f"unit-{kind}.png"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_verify_audit_checks_every_authoritys_records_as_the_system(data, bendi):
    result = admin("verify-audit", "--data", data)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["scope"] == "chain"
    assert verdict["intact"] is True and verdict["broken_seq"] is None
    assert re.fullmatch(r"[0-9a-f]{64}", verdict["last_hash"])


def test_another_authoritys_admin_hears_only_of_its_own_records(demo_host, data, bendi):
    # bendi administers its own authority; the chain also holds the demo
    # authority's records, whose number and hash would tell of its activity.
    chain = json.loads(admin("verify-audit", "--data", data).stdout)
    mine = bendi.call("audit.verify", {})
    assert mine.status == 200, mine
    assert mine.json["scope"] == "authority" and mine.json["intact"] is True
    # Its authority, its staff, its unit: a handful of the chain's records.
    assert 0 < mine.json["records"] < chain["records"]
    # The demo authority acts (its admin logs in): bendi's answer stays the same.
    guanli = Client(demo_host, "staff")
    guanli.login_staff("guanli")
    assert json.loads(admin("verify-audit", "--data", data).stdout)["records"] > chain["records"]
    again = bendi.call("audit.verify", {})
    assert again.json == mine.json
