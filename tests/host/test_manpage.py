# SPDX-License-Identifier: Apache-2.0
"""fuma-host(1), examples/host/fuma-host.1: man renders it without a warning,
and it documents exactly the options that `fuma-host --help` and each
subcommand's --help print, so that a new or renamed option cannot leave it
behind unnoticed. (c.install_consume checks that cmake --install puts it
where man finds it.)"""

import os
import pathlib
import re
import subprocess

import pytest

from conftest import host_binary

# A long option, or a short one standing alone ("-h" in "-h, --help").
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z](?![\w-]))")
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def page_path():
    path = os.environ.get("FUMA_HOST_MAN")
    if not path:
        pytest.fail("FUMA_HOST_MAN is not set: run this suite through ctest")
    return pathlib.Path(path)


def source_lines():
    """The page's lines without comments, with roff's \\- read as '-'."""
    text = page_path().read_text(encoding="utf-8")
    return [line.replace("\\-", "-") for line in text.splitlines()
            if not line.startswith('.\\"')]


def sections():
    """{(section, subsection): [lines]}; subsection is "" before the first .SS."""
    out = {}
    key = ("", "")
    for line in source_lines():
        if line.startswith(".SH "):
            key = (line[4:].strip('"'), "")
        elif line.startswith(".SS "):
            key = (key[0], line[4:].strip('"'))
        out.setdefault(key, []).append(line)
    return out


def tagged_options(lines):
    """The options named in the tags of .TP paragraphs (the line after .TP)."""
    found = set()
    for previous, line in zip(lines, lines[1:]):
        if previous.strip() == ".TP":
            found.update(OPTION.findall(line))
    return found


def synopses():
    """{command: (required, optional)} from the .SY ... .YS blocks of SYNOPSIS:
    .B lines are required options, .OP lines optional ones. The server's
    `fuma-host --help` line is a block of its own."""
    out = {}
    command = None
    for line in sections()[("SYNOPSIS", "")]:
        if line.startswith(".SY "):
            command = line[4:].strip('"')
            required, optional = set(), set()
        elif line.startswith(".YS"):
            if command in out:  # fuma-host --data ... and fuma-host --help
                out[command] = (out[command][0] | required, out[command][1] | optional)
            else:
                out[command] = (required, optional)
            command = None
        elif command and line.startswith(".B "):
            required.update(OPTION.findall(line))
        elif command and line.startswith(".OP "):
            optional.update(OPTION.findall(line))
    return out


def run(*args):
    return subprocess.run([host_binary(), *args], capture_output=True, text=True, timeout=30)


def server_help():
    """(options, subcommands) as `fuma-host --help` lists them."""
    result = run("--help")
    assert result.returncode == 0, result.stderr
    options_part, _, commands_part = result.stdout.partition("admin subcommands")
    assert commands_part, "the help lists no admin subcommands"
    commands = re.findall(r"^  ([a-z][a-z-]*) {2,}", commands_part, re.MULTILINE)
    return set(OPTION.findall(options_part)), set(commands)


def subcommand_usage(name):
    """(required, optional) as the usage line of `fuma-host NAME --help` gives them."""
    result = run(name, "--help")
    assert result.returncode == 0, result.stderr
    usage = result.stdout.splitlines()[0]
    assert usage.startswith(f"usage: fuma-host {name} "), usage
    optional = set(re.findall(r"\[(--[a-z-]+) ", usage))
    return set(OPTION.findall(usage)) - optional, optional


def subcommand_names():
    return sorted(server_help()[1])


# In the C locale too, where a character outside ASCII cannot be shown; with
# every warning troff has (-ww), bad escapes and unbreakable lines included.
@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_man_renders_the_page_without_a_warning(locale):
    env = dict(os.environ, LC_ALL=locale, MANWIDTH="80")
    result = subprocess.run(["man", "--warnings=w", "-l", str(page_path())], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("FUMA-HOST(1)")


def test_options_documents_exactly_the_servers_options():
    options, _ = server_help()
    assert tagged_options(sections()[("OPTIONS", "")]) == options


def test_synopsis_of_the_server_names_exactly_its_long_options():
    options, _ = server_help()
    required, optional = synopses()["fuma-host"]
    assert required | optional == {o for o in options if o.startswith("--")}
    assert required == {"--data", "--help"}


def test_admin_subcommands_are_exactly_those_of_the_help():
    _, commands = server_help()
    documented = {sub for (section, sub) in sections() if section == "ADMIN SUBCOMMANDS" and sub}
    assert documented == commands
    assert {c.split(" ", 1)[1] for c in synopses() if " " in c} == commands


@pytest.mark.parametrize("name", subcommand_names())
def test_each_subcommand_documents_exactly_the_options_of_its_usage(name):
    required, optional = subcommand_usage(name)
    # --data, --store and --engine-option, which every subcommand takes, are
    # described once, before them.
    common = {"--data", "--store", "--engine-option"}
    intro = " ".join(sections()[("ADMIN SUBCOMMANDS", "")])
    assert all(option in intro for option in common)
    assert tagged_options(sections()[("ADMIN SUBCOMMANDS", name)]) == (required | optional) - common
    assert synopses()[f"fuma-host {name}"] == (required, optional)


def test_the_page_names_no_long_option_the_program_lacks():
    known, commands = server_help()
    for name in commands:
        required, optional = subcommand_usage(name)
        known |= required | optional
    named = set()
    for line in source_lines():
        named.update(LONG_OPTION.findall(line))
    assert named - known == set()


def test_the_header_names_this_version():
    header = next(line for line in source_lines() if line.startswith(".TH "))
    assert f'"fuma {os.environ["FUMA_VERSION"]}"' in header
