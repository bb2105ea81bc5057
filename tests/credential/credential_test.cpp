// SPDX-License-Identifier: Apache-2.0
// The credential's text in both signing suites: what an Ed25519 and an SM2
// text carry, how long they are, which key and distinguishing id verify
// them, and what a reader refuses.
#include <doctest/doctest.h>

#include <string>

#include "credential/credential.hpp"
#include "fuma/error.hpp"
#include "image/image.hpp"
#include "support/base45.hpp"

namespace fuma::test {
namespace {

using credential::Suite;

constexpr Suite kSuites[] = {Suite::ed25519, Suite::sm2};

// The longest claims a deployment meets in practice: a credential id in the
// billions, an expiry, times in the 2030s.
credential::Claims long_claims(const credential::KeyPair& key) {
  credential::Claims c;
  c.kid = credential::key_id(key.public_key, key.suite);
  c.uscc = "11440300MB2C92805B";
  c.id = 4'000'000'000;
  c.generation = 300;
  c.issued_at = 2'000'000'000;
  c.expires_at = 2'100'000'000;
  return c;
}

// The text of `p` with its flags byte replaced by `flags`.
std::string with_flags(const credential::Parsed& p, unsigned char flags) {
  return test::with_flags("FM1:" + p.claims.uscc, p.message.substr(4 + 18) + p.signature, flags);
}

TEST_CASE("both suites' texts have one length and fit QR version 10 at level M") {
  std::size_t lengths[2] = {};
  int versions[2] = {};
  for (int i = 0; i < 2; ++i) {
    const credential::KeyPair key = credential::generate_key(kSuites[i]);
    const std::string text = credential::sign(long_claims(key), key);
    lengths[i] = text.size();
    versions[i] = credential::draw(text).version;
    MESSAGE(credential::suite_name(kSuites[i]), ": ", lengths[i], " characters, QR version ",
            versions[i]);
    CHECK(versions[i] <= 10);
  }
  CHECK(lengths[0] == lengths[1]);
  CHECK(versions[0] == versions[1]);
}

TEST_CASE("an SM2 text says sm2 and verifies with its key under its distinguishing id only") {
  const credential::KeyPair key = credential::generate_key(Suite::sm2, "fuma-440300");
  const credential::Parsed p = credential::parse(credential::sign(long_claims(key), key));
  CHECK(p.claims.suite == Suite::sm2);
  CHECK(p.signature.size() == 64);
  CHECK(credential::verify(p, {Suite::sm2, key.public_key, "fuma-440300"}));
  CHECK_FALSE(credential::verify(p, {Suite::sm2, key.public_key, ""}));
  CHECK_FALSE(credential::verify(p, {Suite::sm2, key.public_key, "fuma-440301"}));
  const credential::KeyPair other = credential::generate_key(Suite::sm2, "fuma-440300");
  CHECK_FALSE(credential::verify(p, {Suite::sm2, other.public_key, "fuma-440300"}));
}

TEST_CASE("an SM2 key without a distinguishing id signs under GM/T 0009's default") {
  const credential::KeyPair key = credential::generate_key(Suite::sm2);
  CHECK(key.distinguishing_id == "1234567812345678");
  const credential::Parsed p = credential::parse(credential::sign(long_claims(key), key));
  CHECK(credential::verify(p, {Suite::sm2, key.public_key, "1234567812345678"}));
  CHECK(credential::verify(p, {Suite::sm2, key.public_key, ""}));
}

TEST_CASE("SM2 signatures are randomised: two signings differ and both verify") {
  const credential::KeyPair key = credential::generate_key(Suite::sm2);
  const std::string a = credential::sign(long_claims(key), key);
  const std::string b = credential::sign(long_claims(key), key);
  CHECK(a != b);
  CHECK(credential::verify(credential::parse(b), {Suite::sm2, key.public_key, ""}));
}

TEST_CASE("a text never verifies with a key of the other suite") {
  const credential::KeyPair ed = credential::generate_key(Suite::ed25519);
  const credential::Parsed signed_ed = credential::parse(credential::sign(long_claims(ed), ed));
  // The same Ed25519 signature under the SM2 flag: a reader that took the
  // flag's word and the key's bytes apart must not accept it.
  credential::Claims relabelled = signed_ed.claims;
  relabelled.suite = Suite::sm2;
  const credential::Parsed as_sm2 =
      credential::parse(credential::assemble(relabelled, signed_ed.signature));
  CHECK(as_sm2.claims.suite == Suite::sm2);
  CHECK_FALSE(credential::verify(as_sm2, {Suite::ed25519, ed.public_key, ""}));
  CHECK(credential::verify(signed_ed, {Suite::ed25519, ed.public_key, ""}));

  const credential::KeyPair sm = credential::generate_key(Suite::sm2);
  const credential::Parsed signed_sm = credential::parse(credential::sign(long_claims(sm), sm));
  CHECK_FALSE(credential::verify(signed_sm, {Suite::ed25519, sm.public_key.substr(1, 32), ""}));
}

TEST_CASE("a flag bit this reader does not know is unsupported_version, never a misreading") {
  const credential::KeyPair key = credential::generate_key(Suite::sm2);
  const credential::Parsed p = credential::parse(credential::sign(long_claims(key), key));
  for (unsigned char flags : {0x04, 0x07, 0x80}) {
    CAPTURE(static_cast<int>(flags));
    try {
      credential::parse(with_flags(p, flags));
      FAIL("parsed a text with unknown flags");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::unsupported_version);
    }
  }
  // The known bits round-trip: the expiry and SM2 bits as signed.
  CHECK(credential::parse(with_flags(p, 0x03)).claims.suite == Suite::sm2);
  CHECK(credential::parse(with_flags(p, 0x01)).claims.suite == Suite::ed25519);
}

TEST_CASE("an SM2 key's raw public key is the 65-byte uncompressed point, its kid 16 hex digits") {
  const credential::KeyPair key = credential::generate_key(Suite::sm2);
  CHECK(key.public_key.size() == 65);
  CHECK(key.public_key[0] == 0x04);
  CHECK(key.private_key.size() == 32);
  CHECK(credential::valid_public_key(key.public_key, Suite::sm2));
  CHECK_FALSE(credential::valid_public_key(key.public_key, Suite::ed25519));
  std::string off_curve = key.public_key;
  off_curve[64] = static_cast<char>(off_curve[64] ^ 0x01);
  CHECK_FALSE(credential::valid_public_key(off_curve, Suite::sm2));
  const std::string kid = credential::key_id(key.public_key, Suite::sm2);
  CHECK(kid.size() == 16);
  CHECK(kid != credential::key_id(key.public_key, Suite::ed25519));
}

TEST_CASE("a distinguishing id is 1 to 64 printable ASCII characters") {
  CHECK(credential::valid_distinguishing_id("1234567812345678"));
  CHECK(credential::valid_distinguishing_id("sz-440300 key 2"));
  CHECK(credential::valid_distinguishing_id(std::string(64, 'a')));
  CHECK_FALSE(credential::valid_distinguishing_id(""));
  CHECK_FALSE(credential::valid_distinguishing_id(std::string(65, 'a')));
  CHECK_FALSE(credential::valid_distinguishing_id(" padded"));
  CHECK_FALSE(credential::valid_distinguishing_id("深圳"));
  CHECK_FALSE(credential::valid_distinguishing_id(std::string("a\0b", 3)));
  try {
    credential::generate_key(Suite::sm2, "深圳");
    FAIL("made a key with a non-ASCII id");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
  }
}

}  // namespace
}  // namespace fuma::test
