// fuma-host: the reference host. See `fuma-host --help`.
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <system_error>

#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "log.hpp"
#include "options.hpp"
#include "routes.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
  using fuma::host::CommandLine;
  const CommandLine cl = fuma::host::parse_command_line(argc, argv);
  if (cl.action == CommandLine::Action::help) {
    std::fputs(fuma::host::usage().c_str(), stdout);
    return 0;
  }
  if (cl.action == CommandLine::Action::usage_error) {
    std::fprintf(stderr, "fuma-host: %s\n\n%s", cl.error.c_str(), fuma::host::usage().c_str());
    return 2;
  }
  const fuma::host::Config& config = cl.config;

  // A client that hangs up must cost a failed write, not the process.
  std::signal(SIGPIPE, SIG_IGN);

  std::error_code ec;
  std::filesystem::create_directories(config.data, ec);
  if (ec) {
    std::fprintf(stderr, "fuma-host: cannot create data directory '%s': %s\n", config.data.c_str(),
                 ec.message().c_str());
    return 1;
  }
  fuma::Options options;
  options.path = (std::filesystem::path(config.data) / "fuma.db").string();
  try {
    fuma::Engine engine(options);
    fuma::host::App app{engine};
    return fuma::host::serve(config, app);
  } catch (const fuma::Error& e) {
    std::fprintf(stderr, "fuma-host: cannot open %s: %s (%s)\n", options.path.c_str(),
                 e.detail().c_str(), std::string(e.name()).c_str());
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "fuma-host: cannot listen on %s:%u: %s\n", config.address.c_str(),
                 static_cast<unsigned>(config.port), e.code().message().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuma-host: %s\n", e.what());
  }
  return 1;
}
