// SPDX-License-Identifier: Apache-2.0
// What an engine holds for its commands besides the store: the sealer of
// its store's crypto suite.
#include <doctest/doctest.h>

#include <string>

#include "engine/security.hpp"
#include "support/temp_dir.hpp"

using fuma::crypto::Suite;
using fuma::engine::Security;

TEST_CASE("an engine's sealer seals with its store's suite, and opens the other suite's form") {
  fuma::test::TempDir dir;
  const std::string key(32, 'k');
  Security sm;
  sm.suite = Suite::sm;
  sm.key_file = dir.file("fuma.db.key");
  const std::string sealed = sm.sealer(true).seal(key, "fuma-signing-key:0011223344556677");
  CHECK(sealed.size() == 84);
  CHECK(sealed.substr(0, 4) == std::string("SM4\x01", 4));

  Security standard;
  standard.key_file = dir.file("fuma.db.key");
  CHECK(standard.sealer(false).open(sealed, "fuma-signing-key:0011223344556677") == key);
  const std::string aes = standard.sealer(false).seal(key, "fuma-signing-key:0011223344556677");
  CHECK(aes.size() == 60);
  CHECK(sm.sealer(false).open(aes, "fuma-signing-key:0011223344556677") == key);
}

TEST_CASE("an engine in memory seals with its suite under a master key of its own") {
  Security sm;
  sm.suite = Suite::sm;
  const std::string sealed = sm.sealer(false).seal(std::string(32, 'k'), "l");
  CHECK(sealed.substr(0, 4) == std::string("SM4\x01", 4));
  CHECK(sm.sealer(false).open(sealed, "l") == std::string(32, 'k'));
}
