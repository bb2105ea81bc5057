// SPDX-License-Identifier: Apache-2.0
// Writes the seed inputs that only the library itself can make: credential
// texts signed with the fixed key login_scan.cpp verifies against, and
// their login pictures (PNG). Run once when the credential format changes:
//
//   build/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
#include <cstdio>
#include <fstream>
#include <string>

#include "credential/credential.hpp"
#include "fuma/uscc.hpp"
#include "image/image.hpp"

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "make_seeds: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  namespace credential = fuma::credential;
  credential::KeyPair key;
  key.private_key.resize(32);
  for (int i = 0; i < 32; ++i) key.private_key[i] = static_cast<char>(i);
  key.public_key = credential::from_base64url("A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg");

  const std::string body8 = "MB000012";
  const std::string first17 = "11440300" + body8 + fuma::uscc::org_check_char(body8);
  credential::Claims claims;
  claims.kid = credential::key_id(key.public_key);
  claims.uscc = first17 + fuma::uscc::check_char(first17);
  claims.id = 7;
  claims.generation = 1;
  claims.issued_at = 1'780'000'000;
  const std::string permanent = credential::sign(claims, key);
  claims.id = 8;
  claims.generation = 3;
  claims.expires_at = 1'900'000'000;
  const std::string fixed_term = credential::sign(claims, key);

  write(dir + "/credential_parse/permanent.txt", permanent);
  write(dir + "/credential_parse/fixed_term.txt", fixed_term);
  write(dir + "/login_scan/permanent.png",
        fuma::image::encode_png(credential::draw(permanent).picture));
  write(dir + "/login_scan/fixed_term.png",
        fuma::image::encode_png(credential::draw(fixed_term).picture));
  write(dir + "/image_decode/credential.png",
        fuma::image::encode_png(fuma::image::draw_qr(permanent, 2).picture));
  std::printf("%s\n%s\n", permanent.c_str(), fixed_term.c_str());
  return 0;
}
