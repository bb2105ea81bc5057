# SPDX-License-Identifier: Apache-2.0
"""The packages' files at work, unpacked into the throw-away root: the host
serving its pages, a C program built with the unpacked headers and fuma.pc,
the consumer project built through the unpacked CMake package, and the
unpacked Python module over the unpacked library."""

import json
import os
import pathlib
import textwrap

import pytest

from conftest import VALID_USCC, InstalledHost, env, run

# A file put among the unpacked pages: served only by a host that reads its
# pages there, and not from the source tree its build came from.
PROBE = "package-probe.txt"


@pytest.fixture
def host(root, tmp_path):
    probe = root / "usr/share/fuma/web" / PROBE
    probe.write_text(str(root))
    try:
        with open(tmp_path / "stderr.log", "wb") as log:
            started = InstalledHost(root, tmp_path / "data", log)
            yield started
            if started.proc.poll() is None:
                started.proc.kill()
                started.proc.wait()
    finally:
        probe.unlink()


def test_the_installed_host_serves_its_pages_and_api_and_stops(host, root):
    health = host.wait_healthy()
    assert health["ok"] is True and health["version"] == env("FUMA_VERSION")
    status, headers, page = host.get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "机关用户服务" in page.decode("utf-8")
    assert host.get("/" + PROBE)[2].decode() == str(root)
    status, _, answer = host.get(f"/api/uscc/{VALID_USCC}")
    assert status == 200 and json.loads(answer)["valid"] is True
    assert host.stop() == 0


def pkg_config(root, multiarch, *args):
    environment = dict(os.environ,
                       PKG_CONFIG_LIBDIR=f"{root}/usr/lib/{multiarch}/pkgconfig",
                       PKG_CONFIG_PATH="", PKG_CONFIG_SYSROOT_DIR=str(root))
    return run("pkg-config", *args, env=environment).split()


def test_a_c_program_builds_with_the_unpacked_fuma_pc_and_runs(root, multiarch, tmp_path):
    source = tmp_path / "app.c"
    source.write_text(textwrap.dedent("""\
        #include <fuma/fuma.h>
        #include <stdio.h>
        #include <string.h>

        int main(void) {
          if (fuma_abi_version() != FUMA_ABI_VERSION) return 2;
          const char *code = "%s";
          printf("%%s %%d\\n", fuma_version(), fuma_uscc_validate(code, strlen(code)));
          return 0;
        }
        """ % VALID_USCC))
    flags = pkg_config(root, multiarch, "--cflags", "--libs", "fuma")
    # fuma.pc finds its prefix from where it lies: inside the root.
    paths = {flag[:2]: os.path.realpath(flag[2:]) for flag in flags if flag[:2] in ("-I", "-L")}
    assert paths == {"-I": f"{root}/usr/include", "-L": f"{root}/usr/lib/{multiarch}"}
    program = tmp_path / "app"
    run("cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-o", str(program), str(source), *flags)
    out = run(str(program), env=dict(os.environ, LD_LIBRARY_PATH=f"{root}/usr/lib/{multiarch}"))
    assert out == f"{env('FUMA_VERSION')} 0\n"
    # The unpacked library, not another one the loader could find.
    maps = run("ldd", str(program), env=dict(os.environ,
                                               LD_LIBRARY_PATH=f"{root}/usr/lib/{multiarch}"))
    assert f"libfuma.so.{env('FUMA_ABI_VERSION')} => {root}/usr/lib/{multiarch}/" in maps


def test_python_imports_the_unpacked_module_over_the_unpacked_library(root, multiarch):
    dist = root / "usr/lib/python3/dist-packages"
    library = root / "usr/lib" / multiarch / f"libfuma.so.{env('FUMA_ABI_VERSION')}"
    script = textwrap.dedent("""\
        import json, fuma
        print(json.dumps({"file": fuma.__file__, "library": fuma.library_path,
                          "version": fuma.__version__, "valid": fuma.uscc.is_valid("%s")}))
        """ % VALID_USCC)
    out = run("/usr/bin/python3", "-c", script, cwd="/",
              env=dict(os.environ, PYTHONPATH=str(dist), FUMA_LIBRARY=str(library)))
    found = json.loads(out)
    assert found == {"file": str(dist / "fuma/__init__.py"), "library": str(library),
                     "version": env("FUMA_VERSION"), "valid": True}


def test_the_consumer_project_builds_against_the_unpacked_cmake_package(root, multiarch,
                                                                          tmp_path):
    """tests/consumer/project, the project a user of fuma writes, finds the
    unpacked CMake package and builds: the C ABI through fuma::capi, the
    static C++ library of libfuma-dev through fuma::fuma."""
    project = pathlib.Path(env("FUMA_SOURCE_DIR")) / "tests/consumer/project"
    build = tmp_path / "build"
    run("cmake", "-S", str(project), "-B", str(build), f"-DCMAKE_PREFIX_PATH={root}/usr",
        "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF")
    cache = (build / "CMakeCache.txt").read_text()
    assert f"fuma_DIR:PATH={root}/usr/lib/{multiarch}/cmake/fuma\n" in cache
    run("cmake", "--build", str(build))
    environment = dict(os.environ, LD_LIBRARY_PATH=f"{root}/usr/lib/{multiarch}")
    assert "FAIL" not in run(str(build / "consumer_c"), env=environment)
    assert "FAIL" not in run(str(build / "consumer_cxx"), str(tmp_path / "engine.sqlite"),
                             env=environment)
