# SPDX-License-Identifier: Apache-2.0
"""The package's types: fuma/results.py is what the registry makes, and
mypy --strict finds the package, a typed script that uses it, and the
mistakes it should catch, as they are. Marked ``types`` (ctest python.types):
these run mypy, Debian's package."""

import pathlib
import re
import subprocess
import sys

import pytest

import fuma

pytestmark = pytest.mark.types

HERE = pathlib.Path(__file__).resolve().parent
TYPED = HERE / "typed"


@pytest.fixture(scope="module")
def generator(package_dir):
    sys.path.insert(0, str(package_dir))
    try:
        import generate_results
    finally:
        sys.path.remove(str(package_dir))
    return generate_results


def mypy(package_dir, *files):
    """mypy --strict on the files, from bindings/python: (exit status, output).
    Its cache goes where MYPY_CACHE_DIR says (CTest: the build tree)."""
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-color-output",
                          "--no-error-summary", *map(str, files)],
                         cwd=package_dir, capture_output=True, text=True, timeout=600)
    return run.returncode, run.stdout + run.stderr


def test_the_results_module_is_what_the_registry_makes(generator, package_dir):
    made = generator.generate(fuma.call("fuma.commands"))
    committed = (package_dir / "fuma" / "results.py").read_text(encoding="utf-8")
    assert committed == made, ("fuma/results.py is out of date: run "
                               "bindings/python/generate_results.py")


def test_every_command_has_its_result_type(generator):
    registry = fuma.call("fuma.commands")
    for command in registry["commands"]:
        name = generator.camel(command["name"]) + "Result"
        assert hasattr(fuma.results, name), name


def test_a_result_type_knows_its_required_and_optional_keys():
    assert "application" in fuma.results.ApplicationViewResult.__required_keys__
    assert "editable" in fuma.results.CaseStatus.__optional_keys__


def test_the_package_and_a_typed_script_pass_mypy_strict(package_dir):
    status, output = mypy(package_dir, "fuma", TYPED / "walk_a_case.py")
    assert status == 0, output


def test_mypy_reports_each_marked_mistake_and_nothing_else(package_dir):
    source = (TYPED / "mistakes.py").read_text(encoding="utf-8").splitlines()
    marked = {n for n, line in enumerate(source, 1) if line.endswith("# mypy: error")}
    status, output = mypy(package_dir, TYPED / "mistakes.py")
    reported = {int(m.group(1)) for m in re.finditer(r"mistakes\.py:(\d+): error:", output)}
    assert status == 1, output
    assert reported == marked, output


def test_the_typed_script_walks_a_case(tmp_path):
    run = subprocess.run([sys.executable, str(TYPED / "walk_a_case.py"),
                          str(tmp_path / "fuma.db")], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "已办结"
