# SPDX-License-Identifier: Apache-2.0
"""fuma-host's service as the package installs it: the systemd unit, its
user, its data directory, its configuration file and the maintainer scripts
that set them up."""

import configparser
import os
import pathlib
import re
import shutil
import signal
import subprocess

import pytest

from conftest import DEADLINE, VALID_USCC, InstalledHost, run

UNIT = "lib/systemd/system/fuma-host.service"
USER = "_fuma"


@pytest.fixture(scope="module")
def unit(root):
    """The unit as systemd reads it: a key may repeat, each value kept."""
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",),
                                          comment_prefixes=("#", ";"), dict_type=MultiDict)
    parser.optionxform = str
    parser.read(root / UNIT, encoding="utf-8")
    return parser


class MultiDict(dict):
    """Keeps every value of a repeated key, as systemd reads them."""

    def __setitem__(self, key, value):
        if isinstance(value, list) and key in self:
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def values(unit, key):
    return [v.strip() for v in unit.get("Service", key, raw=True).split("\n")]


def value(unit, key):
    found = values(unit, key)
    assert len(found) == 1, f"{key}: {found}"
    return found[0]


def test_the_unit_passes_systemd_analyze_verify(root, tmp_path):
    """With ExecStart pointing at the unpacked binary, verify has nothing
    to say: no unknown key, no bad value, an executable to start."""
    text = (root / UNIT).read_text(encoding="utf-8")
    assert "ExecStart=/usr/bin/fuma-host " in text
    (tmp_path / "fuma-host.service").write_text(
        text.replace("ExecStart=/usr/bin/fuma-host ", f"ExecStart={root}/usr/bin/fuma-host "),
        encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           str(tmp_path / "fuma-host.service")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


def test_the_unit_runs_the_installed_host_on_the_data_directory(root, unit):
    start = value(unit, "ExecStart").split()
    assert start[0] == "/usr/bin/fuma-host" and os.access(root / start[0][1:], os.X_OK)
    assert start[start.index("--data") + 1] == "/var/lib/fuma"


def test_the_unit_runs_as_the_system_user(unit):
    assert value(unit, "User") == USER and value(unit, "Group") == USER


def test_the_unit_may_write_only_to_the_data_directory(unit):
    assert value(unit, "ProtectSystem") == "strict"
    assert value(unit, "ReadWritePaths") == "/var/lib/fuma"
    assert value(unit, "StateDirectory") == "fuma"
    assert value(unit, "StateDirectoryMode") == "0700"
    assert value(unit, "UMask") == "0077"


@pytest.mark.parametrize("key,expected", [
    ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"), ("PrivateDevices", "yes"),
    ("ProtectHome", "yes"), ("ProtectKernelTunables", "yes"), ("ProtectKernelModules", "yes"),
    ("ProtectControlGroups", "yes"), ("RestrictSUIDSGID", "yes"),
    ("MemoryDenyWriteExecute", "yes"), ("CapabilityBoundingSet", ""),
    ("SystemCallFilter", "@system-service"),
    ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX")])
def test_the_unit_is_hardened(unit, key, expected):
    assert value(unit, key) == expected


def test_systemd_rates_the_units_exposure_ok(root, tmp_path):
    """systemd-analyze security, offline: 'OK' is an exposure below 2.0 of
    10 (10 being a service with no sandboxing at all)."""
    shutil.copy(root / UNIT, tmp_path / "fuma-host.service")
    out = run("systemd-analyze", "security", "--offline=yes", "--no-pager",
              str(tmp_path / "fuma-host.service"))
    level = float(re.search(r"Overall exposure level for fuma-host\.service: ([0-9.]+)",
                            out).group(1))
    assert level < 2.0, out


def test_the_unit_reads_the_packaged_configuration_file(root, unit, control_files):
    assert value(unit, "EnvironmentFile") == "/etc/fuma/fuma-host.conf"
    assert (root / "etc/fuma/fuma-host.conf").is_file()
    assert "/etc/fuma/fuma-host.conf" in (control_files("fuma-host") / "conffiles").read_text()


def test_the_configuration_file_sets_what_the_unit_expands(root, unit):
    config = dict(line.split("=", 1) for line in
                  (root / "etc/fuma/fuma-host.conf").read_text(encoding="utf-8").splitlines()
                  if line and not line.startswith("#"))
    used = set(re.findall(r"\$\{?([A-Z_]+)\}?", value(unit, "ExecStart")))
    assert used == set(config), config
    assert config["FUMA_HOST_LISTEN"] == "127.0.0.1:8080"


@pytest.fixture(scope="module")
def provisioned(root, tmp_path_factory):
    """A copy of the unpacked fuma-host with its user and data directory
    made there by systemd-sysusers and systemd-tmpfiles, from the
    package's own declarations, as its postinst makes them on a system."""
    target = tmp_path_factory.mktemp("provisioned")
    (target / "etc").mkdir()
    for part in ("usr/lib/sysusers.d", "usr/lib/tmpfiles.d"):
        shutil.copytree(root / part, target / part)
    run("systemd-sysusers", f"--root={target}", "fuma-host.conf")
    run("systemd-tmpfiles", f"--root={target}", "--create", "fuma-host.conf")
    return target


def passwd_entry(root, name):
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == name:
            return fields
    pytest.fail(f"no user {name} in {root}/etc/passwd")


def test_installation_makes_a_system_user_without_a_login(provisioned):
    name, _, uid, gid, _, home, shell = passwd_entry(provisioned, USER)
    assert int(uid) < 1000 and home == "/var/lib/fuma" and shell == "/usr/sbin/nologin"


def test_installation_makes_the_data_directory_for_the_user_only(provisioned):
    _, _, uid, gid, *_ = passwd_entry(provisioned, USER)
    info = os.stat(provisioned / "var/lib/fuma")
    assert (oct(info.st_mode & 0o7777), info.st_uid, info.st_gid) == ("0o700", int(uid), int(gid))


def test_postinst_makes_the_user_before_the_data_directory(control_files):
    postinst = (control_files("fuma-host") / "postinst").read_text()
    users = postinst.index("systemd-sysusers")
    directory = postinst.index("systemd-tmpfiles")
    assert users < directory, postinst


def test_the_service_is_not_enabled_on_a_first_installation(control_files):
    """dh_installsystemd --no-enable: the postinst enables the unit again on
    an upgrade when it was enabled, and never on a first installation, so
    it is configured before it starts (docs/operations.md)."""
    postinst = (control_files("fuma-host") / "postinst").read_text()
    guarded = re.search(r"if deb-systemd-helper debian-installed 'fuma-host\.service'; then"
                        r"(.*?)\n\tfi\n", postinst, re.S)
    assert guarded and "deb-systemd-helper enable" in guarded.group(1), postinst
    assert postinst.count("deb-systemd-helper enable") == 1, postinst


def syscall_set(name, seen=None):
    """The system calls of a systemd syscall-filter set, nested sets opened."""
    seen = set() if seen is None else seen
    calls = set()
    for line in run("systemd-analyze", "syscall-filter", "--no-pager", name).splitlines()[1:]:
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith("@"):
            if entry not in seen:
                seen.add(entry)
                calls |= syscall_set(entry, seen)
        else:
            calls.add(entry)
    return calls


def test_the_system_call_filter_allows_what_the_host_calls(root, unit, tmp_path):
    """The unit's SystemCallFilter, which cannot be run here without
    systemd, holds every system call the installed host makes from start to
    stop: serving pages and the API, writing to its database, shutting down."""
    (allowed,) = [v.strip() for v in values(unit, "SystemCallFilter")]
    assert allowed.startswith("@")
    trace = tmp_path / "trace"
    with open(tmp_path / "stderr.log", "wb") as log:
        host = InstalledHost(root, tmp_path / "data", log,
                             wrapper=("strace", "-f", "-qq", "-o", str(trace)))
        try:
            host.wait_healthy()
            host.get("/")
            host.get(f"/api/uscc/{VALID_USCC}")
            host.get("/api/openapi.json")
            host.get("/api/session.captcha?format=json")  # a write: the captcha is stored
            # SIGTERM to the host, strace's child; strace exits with its status.
            tracer = host.proc.pid
            (child,) = pathlib.Path(f"/proc/{tracer}/task/{tracer}/children").read_text().split()
            os.kill(int(child), signal.SIGTERM)
            assert host.proc.wait(timeout=DEADLINE) == 0
        finally:
            if host.proc.poll() is None:
                host.proc.kill()
    made = set(re.findall(r"^\d+ +(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>)",
                          trace.read_text(), re.M))
    assert "openat" in made and len(made) > 20, sorted(made)
    assert sorted(made - syscall_set(allowed)) == []
