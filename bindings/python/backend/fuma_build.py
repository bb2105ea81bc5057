# SPDX-License-Identifier: Apache-2.0
"""The PEP 517 build backend of the fuma Python package, kept in-tree.

fuma's Python package is pure Python (ctypes over libfuma), so a wheel is a
zip of its modules and metadata. Building it needs nothing but the standard
library, which is why pyproject.toml names this backend through
``backend-path`` and requires no other package: pip's isolated build then has
nothing to download, and ``pip install bindings/python`` works offline.

Metadata comes from the ``[project]`` table of pyproject.toml, read with
tomllib (hence Python 3.11, as requires-python says); only the fields that
table uses are supported. Wheels and sdists are reproducible:
every entry carries the same timestamp and mode.

Hooks: build_wheel, build_sdist, build_editable (PEP 660) and the
prepare_metadata_* hooks; get_requires_* return nothing to install.
"""

import base64
import gzip
import hashlib
import io
import os
import tarfile
import tomllib
import zipfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGE = "fuma"
_PACKAGE_FILES = (".py", "py.typed")
_SDIST_EXTRA = ("pyproject.toml", "README.md", "backend/fuma_build.py")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _project():
    with open(os.path.join(_ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def _dist_name(project):
    # Wheel and sdist file names (binary distribution format spec).
    return "%s-%s" % (project["name"].replace("-", "_"), project["version"])


def _metadata(project):
    """The core metadata (METADATA / PKG-INFO) as text."""
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % project["name"],
        "Version: %s" % project["version"],
        "Summary: %s" % project["description"],
        "Requires-Python: %s" % project["requires-python"],
        "License: %s" % project["license"]["text"],
    ]
    lines += ["Classifier: %s" % c for c in project.get("classifiers", [])]
    with open(os.path.join(_ROOT, project["readme"]), encoding="utf-8") as f:
        readme = f.read()
    lines.append("Description-Content-Type: text/markdown; charset=UTF-8")
    return "\n".join(lines) + "\n\n" + readme


def _wheel_file():
    return ("Wheel-Version: 1.0\nGenerator: fuma_build\n"
            "Root-Is-Purelib: true\nTag: py3-none-any\n")


def _package_files():
    """(archive name, path) of every module; compiled files stay out."""
    here = os.path.join(_ROOT, _PACKAGE)
    for name in sorted(os.listdir(here)):
        if name.endswith(_PACKAGE_FILES):
            yield "%s/%s" % (_PACKAGE, name), os.path.join(here, name)


class _Wheel:
    """A wheel being written: each entry is hashed into RECORD."""

    def __init__(self, path):
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self._record = []

    def add(self, name, content):
        if isinstance(content, str):
            content = content.encode("utf-8")
        info = zipfile.ZipInfo(name, _ZIP_TIME)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, content)
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
        self._record.append("%s,sha256=%s,%d" % (name, digest.decode("ascii"), len(content)))

    def close(self, dist_info):
        record = dist_info + "/RECORD"
        self._record.append(record + ",,")
        info = zipfile.ZipInfo(record, _ZIP_TIME)
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, "\n".join(self._record) + "\n")
        self._zip.close()


def _build(wheel_directory, contents):
    """Write a wheel holding ``contents`` (name, bytes) plus its metadata."""
    project = _project()
    base = _dist_name(project)
    dist_info = base + ".dist-info"
    filename = base + "-py3-none-any.whl"
    wheel = _Wheel(os.path.join(wheel_directory, filename))
    for name, content in contents:
        wheel.add(name, content)
    wheel.add(dist_info + "/METADATA", _metadata(project))
    wheel.add(dist_info + "/WHEEL", _wheel_file())
    wheel.close(dist_info)
    return filename


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    project = _project()
    dist_info = _dist_name(project) + ".dist-info"
    os.makedirs(os.path.join(metadata_directory, dist_info), exist_ok=True)
    for name, text in (("METADATA", _metadata(project)), ("WHEEL", _wheel_file())):
        with open(os.path.join(metadata_directory, dist_info, name), "w",
                  encoding="utf-8") as f:
            f.write(text)
    return dist_info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _build(wheel_directory,
                  [(name, _read(path)) for name, path in _package_files()])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # A .pth file puts this source tree on sys.path: edits take effect
    # without reinstalling.
    return _build(wheel_directory, [(_PACKAGE + ".pth", _ROOT + "\n")])


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    base = _dist_name(project)
    filename = base + ".tar.gz"
    members = [(base + "/" + name, _read(os.path.join(_ROOT, name)))
               for name in _SDIST_EXTRA]
    members += [(base + "/" + name, _read(path)) for name, path in _package_files()]
    members.append((base + "/PKG-INFO", _metadata(project).encode("utf-8")))
    with open(os.path.join(sdist_directory, filename), "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), 0o644, 315532800
            tar.addfile(info, io.BytesIO(content))
    return filename
