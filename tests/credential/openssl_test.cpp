// SPDX-License-Identifier: Apache-2.0
// fuma's SM2 credentials against OpenSSL's command line, a verifier built
// apart from fuma's code: each checks what the other signed, under the
// key's distinguishing id, and reads the keys fuma exports.
#include <doctest/doctest.h>

#include <string>

#include "credential/credential.hpp"
#include "openssl_sig.hpp"
#include "support/file.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fuma::test {
namespace {

using credential::Suite;

credential::Claims claims_for(std::string_view public_key) {
  credential::Claims c;
  c.kid = credential::key_id(public_key, Suite::sm2);
  c.suite = Suite::sm2;
  c.uscc = "11440300MB2C92805B";
  c.id = 42;
  c.generation = 2;
  c.issued_at = 1'795'000'000;
  return c;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

TEST_CASE("openssl pkeyutl verifies fuma's SM2 credential signature under its distinguishing id") {
  TempDir dir;
  const credential::KeyPair key = credential::generate_key(Suite::sm2, "fuma-440300");
  const credential::Parsed p = credential::parse(credential::sign(claims_for(key.public_key), key));
  write_bytes(dir.file("pub.pem"), credential::public_key_pem(key.public_key, Suite::sm2));
  write_bytes(dir.file("message"), p.message);
  write_bytes(dir.file("sig.der"), der_of_raw(p.signature));
  auto verify = [&](const std::string& id) {
    return run("openssl pkeyutl -verify -pubin -inkey " + quoted(dir.file("pub.pem")) +
               " -rawin -digest sm3 -pkeyopt distid:" + id + " -in " + quoted(dir.file("message")) +
               " -sigfile " + quoted(dir.file("sig.der")) + " 2>&1");
  };
  const Ran good = verify("fuma-440300");
  CHECK_MESSAGE(good.status == 0, good.output);
  CHECK(good.output.find("Signature Verified Successfully") != std::string::npos);
  CHECK(verify("1234567812345678").status != 0);
}

TEST_CASE("fuma verifies a credential signed by openssl pkeyutl with SM2, SM3 and a distid") {
  TempDir dir;
  REQUIRE(run("openssl genpkey -algorithm SM2 -out " + quoted(dir.file("key.pem"))).status == 0);
  REQUIRE(run("openssl pkey -in " + quoted(dir.file("key.pem")) + " -pubout -outform DER -out " +
              quoted(dir.file("pub.der")))
              .status == 0);
  const std::string spki = read_bytes(dir.file("pub.der"));
  REQUIRE(spki.size() > 65);
  const std::string point = spki.substr(spki.size() - 65);  // the BIT STRING's point
  const credential::Claims claims = claims_for(point);
  write_bytes(dir.file("message"), credential::signed_message(claims));
  const Ran signed_ =
      run("openssl pkeyutl -sign -inkey " + quoted(dir.file("key.pem")) +
          " -rawin -digest sm3 -pkeyopt distid:sz-2026 -in " + quoted(dir.file("message")) +
          " -out " + quoted(dir.file("sig.der")) + " 2>&1");
  REQUIRE_MESSAGE(signed_.status == 0, signed_.output);
  const std::string text =
      credential::assemble(claims, raw_of_der(read_bytes(dir.file("sig.der"))));
  const credential::Parsed p = credential::parse(text);
  CHECK(credential::verify(p, {Suite::sm2, point, "sz-2026"}));
  CHECK_FALSE(credential::verify(p, {Suite::sm2, point, "1234567812345678"}));
}

TEST_CASE("an SM2 key's PEM is a SubjectPublicKeyInfo on the SM2 curve, its kid SM3 of the point") {
  TempDir dir;
  const credential::KeyPair key = credential::generate_key(Suite::sm2);
  write_bytes(dir.file("pub.pem"), credential::public_key_pem(key.public_key, Suite::sm2));
  const Ran text =
      run("openssl pkey -pubin -in " + quoted(dir.file("pub.pem")) + " -text_pub -noout 2>&1");
  REQUIRE(text.status == 0);
  CHECK(text.output.find("ASN1 OID: SM2") != std::string::npos);
  // The DER's last 65 bytes are the raw point keys.list gives as public_key.
  REQUIRE(run("openssl pkey -pubin -in " + quoted(dir.file("pub.pem")) + " -outform DER -out " +
              quoted(dir.file("pub.der")))
              .status == 0);
  const std::string der = read_bytes(dir.file("pub.der"));
  CHECK(der.substr(der.size() - 65) == key.public_key);

  write_bytes(dir.file("point"), key.public_key);
  const Ran sm3 = run("openssl dgst -sm3 -r " + quoted(dir.file("point")));
  REQUIRE(sm3.status == 0);
  CHECK(sm3.output.substr(0, 16) == credential::key_id(key.public_key, Suite::sm2));
}

TEST_CASE("an Ed25519 key's kid is still SHA-256 of its 32 bytes") {
  TempDir dir;
  const credential::KeyPair key = credential::generate_key(Suite::ed25519);
  write_bytes(dir.file("raw"), key.public_key);
  const Ran sha = run("openssl dgst -sha256 -r " + quoted(dir.file("raw")));
  REQUIRE(sha.status == 0);
  CHECK(sha.output.substr(0, 16) == credential::key_id(key.public_key));
}

}  // namespace
}  // namespace fuma::test
