# SPDX-License-Identifier: Apache-2.0
"""What the four packages declare: names, architectures and version, their
relations (computed by dpkg-shlibdeps where a library is linked), libfuma1's
symbols file, and lintian's verdict."""

import functools
import os
import pathlib
import re
import subprocess

import pytest

from conftest import PACKAGES, env, relations, run

SOURCE = pathlib.Path(env("FUMA_SOURCE_DIR"))


def host_arch():
    return run("dpkg-architecture", "-qDEB_HOST_ARCH").strip()


def test_the_changelog_names_the_project_version():
    version = run("dpkg-parsechangelog", "-l", str(SOURCE / "debian/changelog"),
                  "-S", "Version").strip()
    assert version == env("FUMA_VERSION")


@pytest.mark.parametrize("name", PACKAGES)
def test_each_package_has_the_project_version(control, name):
    assert control(name)["Version"] == env("FUMA_VERSION")


@pytest.mark.parametrize("name,arch", [("libfuma1", "host"), ("libfuma-dev", "host"),
                                       ("fuma-host", "host"), ("python3-fuma", "all")])
def test_each_package_is_built_for_its_architecture(control, name, arch):
    assert control(name)["Architecture"] == (host_arch() if arch == "host" else "all")


@functools.lru_cache(maxsize=None)
def loaded(binary):
    """{soname: path} of what the loader loads for a binary."""
    found = {}
    for line in run("ldd", str(binary)).splitlines():
        # "name => path (address)", or "path (address)" for the loader itself.
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=>":
            found[parts[0]] = parts[2]
        elif parts and parts[0].startswith("/"):
            found[os.path.basename(parts[0])] = parts[0]
    return found


@functools.lru_cache(maxsize=None)
def system_package_of(binary, library):
    """The installed package holding a library the binary links, found
    where the loader finds it."""
    path = loaded(binary).get(library)
    assert path, f"the loader finds no {library} for {binary}"
    # With /lib merged into /usr/lib, a package may name either path.
    for candidate in (path, path.replace("/usr/lib/", "/lib/", 1), "/usr" + path):
        found = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.split(":")[0]
    pytest.fail(f"no installed package holds {path}")


def needed(binary):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                      run("readelf", "-d", str(binary)))


def test_libfuma1_depends_on_the_package_of_every_library_it_links(root, multiarch, control):
    """dpkg-shlibdeps' work: each DT_NEEDED of libfuma.so.1 maps to the
    package that holds it, with the version its shlibs or symbols ask for."""
    depends = control("libfuma1")["Depends"]
    library = root / "usr/lib" / multiarch / "libfuma.so.1"
    libs = needed(library)
    assert "libcrypto.so.3" in libs and "libsqlite3.so.0" in libs
    assert re.search(r"(^|, )libssl3 \(>= ", depends), depends  # libcrypto's package
    imported = undefined_symbols(library)
    for lib in libs:
        package = system_package_of(library, lib)
        version = r" \(>= [^)]+\)" if asks_for_a_version(package, imported) else ""
        assert re.search(r"(^|, )" + re.escape(package) + version + r"(,|$)", depends), \
            f"{lib} ({package}) is not in Depends: {depends}"


def undefined_symbols(binary):
    listing = run("nm", "-D", "--undefined-only", "--format=posix", str(binary))
    return {line.split()[0].split("@")[0] for line in listing.splitlines() if line.strip()}


def asks_for_a_version(package, imported):
    """Whether dpkg-shlibdeps gives the package a minimum version: not when
    every symbol the library imports from it is marked 0 in its symbols file
    (libpq5 marks the symbols older than its symbols file so)."""
    symbols = pathlib.Path("/var/lib/dpkg/info") / f"{package}:{host_arch()}.symbols"
    if not symbols.exists():
        symbols = pathlib.Path("/var/lib/dpkg/info") / f"{package}.symbols"
    if not symbols.exists():
        return True
    versions = {}
    for line in symbols.read_text().splitlines():
        fields = line.split()
        if line.startswith(" ") and len(fields) >= 2:
            versions[fields[0].split("@")[0]] = fields[1]
    used = {versions[name] for name in imported if name in versions}
    return used != {"0"}


def test_fuma_host_depends_on_its_libraries_and_the_forms_font(root, control):
    depends = control("fuma-host")["Depends"]
    assert "fonts-arphic-uming" in relations(depends)
    host = root / "usr/bin/fuma-host"
    for lib in needed(host):
        assert system_package_of(host, lib) in relations(depends), f"{lib}: {depends}"


def test_fuma_host_carries_the_engine_itself(root):
    """The host links the C++ library statically: it needs no libfuma.so."""
    assert not [lib for lib in needed(root / "usr/bin/fuma-host") if lib.startswith("libfuma")]


def test_python3_fuma_depends_on_libfuma1_and_python3(control):
    depends = relations(control("python3-fuma")["Depends"])
    assert {"libfuma1", "python3"} <= depends


def test_libfuma_dev_depends_on_libfuma1_of_the_same_version(control):
    assert f"libfuma1 (= {env('FUMA_VERSION')})" in control("libfuma-dev")["Depends"]


def test_libfuma1_declares_its_soname_in_shlibs(control_files):
    shlibs = (control_files("libfuma1") / "shlibs").read_text()
    assert re.search(r"^libfuma 1 libfuma1 \(>= ", shlibs, re.M), shlibs


def test_libfuma1_symbols_file_lists_exactly_the_exported_functions(root, multiarch,
                                                                     control_files):
    exported = set(re.findall(r" T (fuma_\w+)@@FUMA_1$",
                              run("nm", "-D", "--defined-only",
                                  str(root / "usr/lib" / multiarch / "libfuma.so.1")), re.M))
    listed = set(re.findall(r"^ (fuma_\w+)@FUMA_1 ",
                            (control_files("libfuma1") / "symbols").read_text(), re.M))
    assert "fuma_call" in exported
    assert listed == exported


@pytest.fixture(scope="module")
def lintian(debs):
    """lintian's report on the four packages, informational notes included."""
    done = subprocess.run(["lintian", "--tag-display-limit", "0", "--display-info",
                           "--fail-on", "none", *map(str, (debs[name] for name in PACKAGES))],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_lintian_finds_no_error(lintian):
    assert not re.search(r"^E: ", lintian, re.M), lintian


def test_lintian_finds_no_warning(lintian):
    """A warning is fixed, or overridden with its reason in
    debian/<package>.lintian-overrides and listed in docs/operations.md."""
    assert not re.search(r"^W: ", lintian, re.M), lintian


def test_lintian_notes_are_those_the_docs_explain(lintian):
    """docs/operations.md says why each informational note remains."""
    text = (SOURCE / "docs/operations.md").read_text(encoding="utf-8")
    section = text[text.index("### Building the packages"):text.index("## First start")]
    explained = set(re.findall(r"^\| `([a-z0-9.-]+)`", section, re.M))
    noted = set(re.findall(r"^I: [^: ]+(?: [a-z]+)?: (\S+)", lintian, re.M))
    assert noted == explained, lintian
