// SPDX-License-Identifier: Apache-2.0
// The listening side of fuma-host: acceptor, I/O threads, engine workers,
// signals and shutdown.
#ifndef FUMA_HOST_SERVER_HPP
#define FUMA_HOST_SERVER_HPP

#include <functional>
#include <stdexcept>
#include <string>

#include "options.hpp"

namespace fuma::host {

struct App;

// The certificate or key given with --tls-cert / --tls-key is unusable.
struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Listens on config's address, prints the listening line to stdout, and
// serves until SIGINT or SIGTERM; then stops accepting, lets requests in
// flight finish, and returns 0 (at most 5 s after the signal). Throws
// std::system_error when it cannot listen.
// on_listening runs once, after the listening line, with the URL (--demo
// prints where to click there).
int serve(const Config& config, App& app,
          const std::function<void(const std::string& url)>& on_listening = {});

}  // namespace fuma::host

#endif  // FUMA_HOST_SERVER_HPP
