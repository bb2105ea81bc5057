// SPDX-License-Identifier: Apache-2.0
// fuma's SM2 credential signing and checking on the command line, for
// tests in other languages (tests/browser/sm2.mjs checks it against
// npm's sm-crypto):
//   sm2_tool sign ID          a new SM2 key signs a credential under
//                             distinguishing id ID; prints JSON (hex)
//   sm2_tool message POINT    the bytes a credential of the key POINT
//                             (65-byte point, hex) signs, as hex
//   sm2_tool verify POINT ID SIG   whether SIG (r || s, hex) over that
//                             message verifies as a credential text;
//                             exit 0 valid, 1 not, 2 misuse
//   sm2_tool sm3 HEX          SM3 of the bytes HEX, as the sm crypto
//                             suite digests them
#include <cstdio>
#include <string>

#include "credential/credential.hpp"
#include "crypto/crypto.hpp"
#include "fuma/error.hpp"

namespace {

using fuma::credential::Suite;

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

std::string unhex(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16));
  }
  return out;
}

fuma::credential::Claims claims_for(std::string_view point) {
  fuma::credential::Claims c;
  c.kid = fuma::credential::key_id(point, Suite::sm2);
  c.suite = Suite::sm2;
  c.uscc = "11440300MB2C92805B";
  c.id = 9001;
  c.generation = 1;
  c.issued_at = 1'795'000'000;
  c.expires_at = 1'900'000'000;
  return c;
}

int usage() {
  std::fputs("usage: sm2_tool sign ID | message POINT | verify POINT ID SIG | sm3 HEX\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "sign" && argc == 3) {
      const fuma::credential::KeyPair key = fuma::credential::generate_key(Suite::sm2, argv[2]);
      const fuma::credential::Claims claims = claims_for(key.public_key);
      const std::string text = fuma::credential::sign(claims, key);
      const fuma::credential::Parsed p = fuma::credential::parse(text);
      std::printf(
          "{\"public_key\": \"%s\", \"distinguishing_id\": \"%s\", \"kid\": \"%s\", "
          "\"message\": \"%s\", \"signature\": \"%s\", \"text\": \"%s\"}\n",
          hex(key.public_key).c_str(), key.distinguishing_id.c_str(), p.claims.kid.c_str(),
          hex(p.message).c_str(), hex(p.signature).c_str(), text.c_str());
      return 0;
    }
    if (command == "message" && argc == 3) {
      std::printf("%s\n",
                  hex(fuma::credential::signed_message(claims_for(unhex(argv[2])))).c_str());
      return 0;
    }
    if (command == "sm3" && argc == 3) {
      std::printf("%s\n",
                  fuma::crypto::digest_hex(fuma::crypto::Digest::sm3, unhex(argv[2])).c_str());
      return 0;
    }
    if (command == "verify" && argc == 5) {
      const std::string point = unhex(argv[2]);
      const fuma::credential::Parsed p =
          fuma::credential::parse(fuma::credential::assemble(claims_for(point), unhex(argv[4])));
      const bool valid = fuma::credential::verify(p, {Suite::sm2, point, argv[3]});
      std::printf("%s\n", valid ? "valid" : "invalid");
      return valid ? 0 : 1;
    }
    return usage();
  } catch (const fuma::Error& e) {
    std::fprintf(stderr, "sm2_tool: %s\n", e.detail().c_str());
    return 2;
  }
}
