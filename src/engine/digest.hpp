// SHA-256 for attachment contents and the audit chain (OpenSSL EVP).
#ifndef FUMA_SRC_ENGINE_DIGEST_HPP
#define FUMA_SRC_ENGINE_DIGEST_HPP

#include <string>
#include <string_view>

namespace fuma::engine {

// 64 lower-case hex digits. Throws fuma::Error(internal) if OpenSSL fails.
std::string sha256_hex(std::string_view bytes);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_DIGEST_HPP
