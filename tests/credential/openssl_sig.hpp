// SPDX-License-Identifier: Apache-2.0
// An SM2 signature as the credential text carries it (r || s, 32 bytes
// each) and as OpenSSL's command line writes and reads it (DER), for the
// tests that hand signatures to other tools.
#ifndef FUMA_TESTS_CREDENTIAL_OPENSSL_SIG_HPP
#define FUMA_TESTS_CREDENTIAL_OPENSSL_SIG_HPP

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace fuma::test {

inline std::string der_of_raw(std::string_view raw) {
  if (raw.size() != 64) throw std::invalid_argument("r || s has 64 bytes");
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(in, 32, nullptr), BN_bin2bn(in + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) throw std::runtime_error("i2d_ECDSA_SIG failed");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

inline std::string raw_of_der(std::string_view der) {
  const auto* at = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &at, static_cast<long>(der.size()));
  if (sig == nullptr) throw std::runtime_error("not a DER signature");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_CREDENTIAL_OPENSSL_SIG_HPP
