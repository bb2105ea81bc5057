# SPDX-License-Identifier: Apache-2.0
"""Installing the package with pip, offline, into a fresh virtual environment.

pip runs with --no-index and an empty configuration: if building the package
needed anything from a package index (a build backend such as setuptools),
these tests would fail on any machine, online or not.
"""

import os
import subprocess
import sys

import pytest

import fuma

pytestmark = pytest.mark.install

PROBE = """
import fuma
print(fuma.__file__)
print(fuma.uscc.is_valid("91350100M000100Y43"), fuma.call("fuma.version")["version"])
"""


@pytest.fixture(scope="module")
def make_venv(tmp_path_factory):
    """make_venv() -> (python, environment) of a new venv with its own pip."""

    def make():
        where = tmp_path_factory.mktemp("venv")
        subprocess.run([sys.executable, "-m", "venv", str(where / "env")], check=True,
                       capture_output=True, timeout=300)
        env = dict(os.environ, PIP_CONFIG_FILE=os.devnull,
                   PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
        env.pop("PYTHONPATH", None)  # only the venv may provide fuma
        return where / "env" / "bin" / "python", env

    return make


def pip_install(python, env, *args):
    proc = subprocess.run([str(python), "-m", "pip", "install", "--no-index", *args],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def import_fuma(python, env, library, cwd):
    """Import fuma in the venv from outside the source tree; (file, check)."""
    proc = subprocess.run([str(python), "-c", PROBE], env=dict(env, FUMA_LIBRARY=str(library)),
                          cwd=cwd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


@pytest.fixture(scope="module")
def installed(make_venv, package_dir):
    python, env = make_venv()
    pip_install(python, env, str(package_dir))
    return python, env


def test_pip_install_of_the_directory_works_offline(installed):
    python, env = installed
    proc = subprocess.run([str(python), "-m", "pip", "show", "fuma"], env=env,
                          capture_output=True, text=True, timeout=120)
    # The package's version follows the library's release.
    assert "Version: %s" % fuma.__version__ in proc.stdout.splitlines()


def test_installed_package_is_imported_from_the_venv(installed, library, tmp_path):
    python, env = installed
    fuma_file = import_fuma(python, env, library, tmp_path)[0]
    assert fuma_file.startswith(str(python.parent.parent))


def test_installed_package_works(installed, library, tmp_path):
    python, env = installed
    assert import_fuma(python, env, library, tmp_path)[1].split()[0] == "True"


def test_editable_install_imports_from_the_source_tree(make_venv, package_dir, library,
                                                       tmp_path):
    python, env = make_venv()
    pip_install(python, env, "--editable", str(package_dir))
    fuma_file = import_fuma(python, env, library, tmp_path)[0]
    assert fuma_file == str(package_dir / "fuma" / "__init__.py")


def build(package_dir, hook, out):
    """Run one hook of the in-tree build backend; returns the file it made."""
    code = ("import sys; sys.path.insert(0, 'backend'); import fuma_build; "
            "print(fuma_build.%s(sys.argv[1]))" % hook)
    proc = subprocess.run([sys.executable, "-c", code, str(out)], cwd=package_dir,
                          capture_output=True, text=True, check=True, timeout=120,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    return out / proc.stdout.strip()


def test_sdist_installs_offline(make_venv, package_dir, library, tmp_path):
    sdist = build(package_dir, "build_sdist", tmp_path)
    python, env = make_venv()
    pip_install(python, env, str(sdist))
    assert import_fuma(python, env, library, tmp_path)[1].split()[0] == "True"


def test_wheel_build_is_reproducible(package_dir, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build(package_dir, "build_wheel", tmp_path / "a")
    second = build(package_dir, "build_wheel", tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
