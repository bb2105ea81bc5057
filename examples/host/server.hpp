// The listening side of fuma-host: acceptor, I/O threads, engine workers,
// signals and shutdown.
#ifndef FUMA_HOST_SERVER_HPP
#define FUMA_HOST_SERVER_HPP

#include "options.hpp"

namespace fuma::host {

struct App;

// Listens on config's address, prints the listening line to stdout, and
// serves until SIGINT or SIGTERM; then stops accepting, lets requests in
// flight finish, and returns 0 (at most 5 s after the signal). Throws
// std::system_error when it cannot listen.
int serve(const Config& config, App& app);

}  // namespace fuma::host

#endif  // FUMA_HOST_SERVER_HPP
