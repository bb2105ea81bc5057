# SPDX-License-Identifier: Apache-2.0
"""How the package finds libfuma and refuses one it cannot speak to.

Each case runs in a child interpreter with its own environment. Stand-in
libraries (a libfuma of another ABI, a library that is not libfuma) are
compiled here from a few lines of C.
"""

import shutil
import subprocess

import pytest

# The child prints what it loaded, or the ImportError, and exits 3 on one.
PROBE = """
try:
    import fuma
except ImportError as err:
    print(err)
    raise SystemExit(3)
print(fuma.library_path)
print(fuma.__version__, fuma.uscc.is_valid("91350100M000100Y43"))
"""

OTHER_ABI = """
int fuma_abi_version(void) { return 2; }
const char *fuma_version(void) { return "2.0.0"; }
"""

NOT_FUMA = "int answer(void) { return 42; }\n"


@pytest.fixture(scope="module")
def compile_library(tmp_path_factory):
    """compile_library(source, name) -> path of a shared library built from C."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a C compiler to build stand-in libraries")
    where = tmp_path_factory.mktemp("stand-ins")

    def build(source, name):
        (where / (name + ".c")).write_text(source)
        out = where / name
        subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(where / (name + ".c"))],
                       check=True)
        return out

    return build


@pytest.fixture
def package_copy(tmp_path, package_dir):
    """A copy of the fuma package, without any library, in its own directory."""
    site = tmp_path / "site"
    shutil.copytree(package_dir / "fuma", site / "fuma",
                    ignore=shutil.ignore_patterns("__pycache__", "libfuma.so*"))
    return site


@pytest.fixture
def probe(run_python, child_env, tmp_path):
    """probe(**environment changes) -> (exit status, lines printed)."""

    def run(**changes):
        changes.setdefault("LD_LIBRARY_PATH", None)
        proc = run_python(PROBE, child_env(**changes), cwd=tmp_path)
        assert proc.returncode in (0, 3), proc.stderr
        return proc.returncode, proc.stdout.splitlines()

    return run


def test_fuma_library_is_loaded_first(probe, library, package_copy):
    shutil.copy(library, package_copy / "fuma" / "libfuma.so.1")
    status, out = probe(FUMA_LIBRARY=library, PYTHONPATH=package_copy)
    assert (status, out[0]) == (0, str(library))


def test_fuma_library_naming_a_missing_file_is_a_clear_import_error(probe, tmp_path):
    missing = tmp_path / "nowhere" / "libfuma.so.1"
    status, out = probe(FUMA_LIBRARY=missing)
    assert status == 3
    assert out[0] == ("fuma: FUMA_LIBRARY is set to %r, but no such file exists; "
                      "point it at libfuma.so.1 or unset it" % str(missing))


def test_fuma_library_naming_a_missing_file_does_not_fall_back(probe, library,
                                                               package_copy, tmp_path):
    shutil.copy(library, package_copy / "fuma" / "libfuma.so.1")
    status, _ = probe(FUMA_LIBRARY=tmp_path / "missing.so", PYTHONPATH=package_copy)
    assert status == 3


def test_relative_fuma_library_is_the_file_not_a_search(probe, library, tmp_path):
    shutil.copy(library, tmp_path / "libfuma.so.1")
    status, out = probe(FUMA_LIBRARY="libfuma.so.1")  # the probe runs in tmp_path
    assert (status, out[0]) == (0, str(tmp_path / "libfuma.so.1"))


def test_fuma_library_naming_a_non_library_is_a_clear_import_error(probe, tmp_path):
    text = tmp_path / "libfuma.so.1"
    text.write_text("not a shared library")
    status, out = probe(FUMA_LIBRARY=text)
    assert status == 3 and out[0].startswith("fuma: cannot load FUMA_LIBRARY=%r" % str(text))


def test_library_inside_the_package_is_found(probe, library, package_copy):
    shutil.copy(library, package_copy / "fuma" / "libfuma.so.1")
    status, out = probe(FUMA_LIBRARY=None, PYTHONPATH=package_copy)
    assert (status, out[0]) == (0, str(package_copy / "fuma" / "libfuma.so.1"))


def test_unversioned_library_inside_the_package_is_found(probe, library, package_copy):
    shutil.copy(library, package_copy / "fuma" / "libfuma.so")
    status, out = probe(FUMA_LIBRARY=None, PYTHONPATH=package_copy)
    assert (status, out[0]) == (0, str(package_copy / "fuma" / "libfuma.so"))


def test_package_library_comes_before_the_system_loader(probe, library, package_copy,
                                                        compile_library, tmp_path):
    shutil.copy(library, package_copy / "fuma" / "libfuma.so.1")
    system = tmp_path / "system"
    system.mkdir()
    shutil.copy(compile_library(OTHER_ABI, "other.so"), system / "libfuma.so.1")
    status, out = probe(FUMA_LIBRARY=None, PYTHONPATH=package_copy, LD_LIBRARY_PATH=system)
    assert (status, out[0]) == (0, str(package_copy / "fuma" / "libfuma.so.1"))


def test_system_loader_finds_the_soname(probe, library, package_copy):
    status, out = probe(FUMA_LIBRARY=None, PYTHONPATH=package_copy,
                        LD_LIBRARY_PATH=library.parent)
    assert (status, out[0]) == (0, "libfuma.so.1")


def test_pkg_config_libdir_is_searched_after_the_system_loader(probe, library, package_copy,
                                                                tmp_path):
    # A fuma installed under a prefix the loader does not search: its fuma.pc
    # on PKG_CONFIG_PATH names the libdir, as for building C programs.
    pkgconfig = tmp_path / "prefix" / "lib" / "pkgconfig"
    pkgconfig.mkdir(parents=True)
    (pkgconfig / "fuma.pc").write_text(
        "libdir=%s\nName: fuma\nDescription: fuma\nVersion: 0.1.0\nLibs: -L${libdir} -lfuma\n"
        % library.parent)
    status, out = probe(FUMA_LIBRARY=None, PYTHONPATH=package_copy, PKG_CONFIG_PATH=pkgconfig)
    assert (status, out[0]) == (0, str(library.parent / "libfuma.so.1"))


def test_loaded_library_works(probe, library):
    status, out = probe(FUMA_LIBRARY=library)
    assert (status, out[1].split()[1]) == (0, "True")


def test_no_library_anywhere_is_a_clear_import_error(probe, package_copy):
    status, out = probe(FUMA_LIBRARY=None, PYTHONPATH=package_copy)
    if status == 0:
        pytest.skip("the system loader finds an installed libfuma: %s" % out[0])
    assert out[0].startswith("fuma: cannot find the C library libfuma.so.1. Set FUMA_LIBRARY")


def test_library_of_another_abi_is_refused(probe, compile_library):
    status, out = probe(FUMA_LIBRARY=compile_library(OTHER_ABI, "libfuma.so.2"))
    assert status == 3 and "has ABI version 2, but this Python package speaks ABI version 1" \
        in out[0]


def test_library_that_is_not_libfuma_is_refused(probe, compile_library):
    status, out = probe(FUMA_LIBRARY=compile_library(NOT_FUMA, "libanswer.so"))
    assert status == 3 and "does not export fuma_abi_version(); it is not libfuma" in out[0]
