# SPDX-License-Identifier: Apache-2.0
"""Conan 2 recipe for fuma, kept in the repository beside the code it builds.

EXPERIMENTAL. No Conan client has run this recipe: Debian 12 packages none,
and the project takes nothing from PyPI. What the suite checks is only that
conan/test_package builds and runs against an installed fuma (the test
c.conan_test_package). Known not to work, or never tried:

- stb comes from the system (Debian's libstb, -lstb, headers under stb/):
  ConanCenter's stb is headers only, without the stb/ directory and without
  the compiled implementations fuma links;
- PoDoFo and HarfBuzz are found by fuma's CMakeLists through pkg-config
  (libpodofo, harfbuzz-subset). The recipe writes .pc files with
  PkgConfigDeps and puts them on PKG_CONFIG_PATH, but whether ConanCenter's
  podofo and harfbuzz packages name their pkg-config modules so is not
  verified;
- the versions and ranges below are those ConanCenter listed when the
  recipe was written, not checked against a live remote.

    conan create conan/ --build=missing
    conan create conan/ -o "fuma/*:shared=False" --build=missing

Packages two libraries, as the CMake install does: libfuma (the C ABI, shared
or static after the `shared` option) and libfuma++ (the static C++ library it
is built from), as the components fuma::capi and fuma::fuma.
"""

import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd, stdcpp_library
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.env import Environment
from conan.tools.files import copy, load, rmdir
from conan.tools.gnu import PkgConfigDeps

required_conan_version = ">=2.0"


class FumaConan(ConanFile):
    name = "fuma"
    description = (
        "Unified Social Credit Code (统一社会信用代码) certificate service library "
        "with a stable C ABI"
    )
    topics = ("uscc", "gb32100", "c-abi")
    license = "Apache-2.0"
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {"shared": True, "fPIC": True}

    # The recipe sits in conan/, the sources one level up.
    @property
    def _root(self):
        return os.path.join(self.recipe_folder, "..")

    def set_version(self):
        # One version, the one project() declares.
        if not self.version:
            text = load(self, os.path.join(self._root, "CMakeLists.txt"))
            found = re.search(r"project\(\s*fuma\s+VERSION\s+([0-9.]+)", text)
            self.version = found.group(1)

    def export_sources(self):
        # Only what a library build reads: tests, examples and bindings stay out.
        copy(self, "CMakeLists.txt", self._root, self.export_sources_folder)
        copy(self, "LICENSE", self._root, self.export_sources_folder)
        for folder in ("include", "src", "capi", "scripts/cmake"):
            copy(self, f"{folder}/*", self._root, self.export_sources_folder)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # What fuma links, at the versions Debian 12 ships where ConanCenter
        # has them. None appears in a public header, so their headers are
        # not passed on.
        self.requires("boost/1.81.0")
        # ConanCenter keeps recent SQLite releases only (3.44.2 and later
        # when this was written); fuma needs 3.40 or later.
        self.requires("sqlite3/[>=3.44.2 <4]")
        # OpenSSL: SHA-256, Ed25519 credential signatures, AES-GCM sealing.
        self.requires("openssl/[>=3.0.0 <4]")
        # The login QR pictures: reading and drawing QR codes.
        self.requires("zxing-cpp/1.4.0")
        # The PDF forms: PoDoFo writes them, HarfBuzz's subsetter cuts the
        # CJK font down, fontconfig finds the font by family.
        self.requires("podofo/0.9.8")
        self.requires("harfbuzz/[>=6.0.0 <9]", options={"with_subset": True})
        self.requires("fontconfig/[>=2.14 <3]")
        # stb (decoding uploads, writing PNG) is taken from the system:
        # fuma includes <stb/...> and links Debian's libstb, which has the
        # implementations compiled in; Conan's stb is headers only, laid
        # out without the stb/ directory.

    def validate(self):
        check_min_cppstd(self, 17)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["FUMA_SHARED"] = bool(self.options.shared)
        tc.cache_variables["FUMA_BUILD_TESTS"] = False
        tc.cache_variables["FUMA_BUILD_HOST"] = False
        tc.cache_variables["FUMA_BUILD_BENCH"] = False
        # Warnings are the project's business; a new compiler must not break
        # a consumer's build.
        tc.cache_variables["FUMA_WERROR"] = False
        tc.generate()
        CMakeDeps(self).generate()
        # fuma's CMakeLists finds PoDoFo, HarfBuzz, fontconfig and stb with
        # pkg_check_modules: the .pc files PkgConfigDeps writes go first on
        # PKG_CONFIG_PATH for the build.
        PkgConfigDeps(self).generate()
        env = Environment()
        env.prepend_path("PKG_CONFIG_PATH", self.generators_folder)
        env.vars(self).save_script("fuma_pkg_config_path")

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Consumers under Conan use the files CMakeDeps and PkgConfigDeps
        # write from package_info(); shipping ours too would let them disagree.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "fuma")
        # The components own the names fuma::fuma and fuma(.pc); the aggregate
        # target Conan makes for the whole package must not take them.
        self.cpp_info.set_property("cmake_target_name", "fuma_all_do_not_use")
        self.cpp_info.set_property("pkg_config_name", "fuma_all_do_not_use")

        # fuma::fuma -- the static C++ library.
        cxx = self.cpp_info.components["cxx"]
        cxx.set_property("cmake_target_name", "fuma::fuma")
        cxx.libs = ["fuma++"]
        cxx.requires = ["boost::json", "sqlite3::sqlite3", "openssl::crypto", "zxing-cpp::zxing-cpp",
                        "podofo::podofo", "harfbuzz::harfbuzz", "fontconfig::fontconfig"]
        if self.settings.os in ("Linux", "FreeBSD"):
            cxx.system_libs = ["stb", "pthread", "m"]

        # fuma::capi -- libfuma, the C ABI; fuma.pc, as the CMake install names it.
        capi = self.cpp_info.components["capi"]
        capi.set_property("cmake_target_name", "fuma::capi")
        capi.set_property("pkg_config_name", "fuma")
        capi.libs = ["fuma"]
        if self.options.shared:
            capi.defines = ["FUMA_SHARED"]
        else:
            # A static libfuma is the C++ library behind a C face: C programs
            # link it with its dependencies and the C++ runtime.
            capi.requires = ["cxx"]
            libcxx = stdcpp_library(self)
            if libcxx:
                capi.system_libs = [libcxx]
