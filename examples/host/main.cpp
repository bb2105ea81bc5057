// SPDX-License-Identifier: Apache-2.0
// fuma-host: the reference host. See `fuma-host --help`.
#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <system_error>

#include "admin.hpp"
#include "commands.hpp"
#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "log.hpp"
#include "openapi.hpp"
#include "options.hpp"
#include "routes.hpp"
#include "server.hpp"
#include "site.hpp"

namespace {

// --web, else the pages installed beside the binary, else the source tree's.
std::string web_dir(const fuma::host::Config& config) {
  if (!config.web.empty()) return config.web;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = exe.parent_path().parent_path() / "share" / "fuma" / "web";
    if (std::filesystem::is_directory(beside / "", ec)) return beside.string();
  }
  if (std::filesystem::is_directory(FUMA_HOST_WEB_INSTALLED, ec)) return FUMA_HOST_WEB_INSTALLED;
  return FUMA_HOST_WEB_SOURCE;
}

}  // namespace

int main(int argc, char** argv) {
  // SQLite keeps memory statistics by default, behind one mutex that every
  // allocation of every connection takes; the host reads none of them.
  // Set before SQLite initialises, so for the whole process.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
#ifdef __GLIBC__
  // glibc raises its mmap threshold (to at most 32 MiB) each time a mapped
  // block is freed; after that, blocks below it come from per-thread arenas
  // and stay resident once freed. A picture's pixels (16 MiB at 16
  // megapixels) would then stay in memory in every worker that ever
  // decoded one, and the ceiling the engine's decode_pixel_budget puts on
  // decoding would not hold (docs/security.md). A fixed threshold maps
  // every block of 1 MiB and more, and gives it back when freed.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  using fuma::host::CommandLine;
  if (argc > 1 && fuma::host::is_admin_command(argv[1])) {
    return fuma::host::run_admin(argc - 1, argv + 1);
  }
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
  fuma::host::log::set_host(config.host_id);

  std::error_code ec;
  std::filesystem::create_directories(config.data, ec);
  if (ec) {
    std::fprintf(stderr, "fuma-host: cannot create data directory '%s': %s\n", config.data.c_str(),
                 ec.message().c_str());
    return 1;
  }
  fuma::host::report_undelivered(config.data);
  fuma::Options options =
      fuma::host::engine_options(config.data, config.engine_options, config.store);
  options.public_url = config.public_url;
  if (config.demo) options.captcha_answer = std::string(fuma::host::kDemoCaptcha);
  try {
    if (config.demo && options.locality_path.empty()) {
      options.locality_path = fuma::host::demo_locality(config.data);
    }
    // What each side of the API exposes, from the engine's own declarations.
    const fuma::host::Commands commands = fuma::host::Commands::from_registry(
        fuma::Engine::call_stateless(R"({"command":"fuma.commands"})").json);
    const fuma::host::Pages pages = fuma::host::Pages::load(web_dir(config));
    fuma::Engine engine(options);
    fuma::host::Settings settings;
    settings.demo = config.demo;
    settings.demo_captcha = config.demo ? std::string(fuma::host::kDemoCaptcha) : "";
    settings.institution_url = config.institution_url;
    settings.tls = !config.tls_cert.empty();
    settings.trusted_proxies = config.trusted_proxies;
    settings.csrf_key = fuma::host::csrf_key(config.csrf_key);
    settings.host_id = config.host_id;
    if (config.host_id_given) settings.host_header = config.host_id;
    settings.metrics_from = config.metrics_from;
    fuma::host::Content content(config.content.empty()
                                    ? (std::filesystem::path(config.data) / "content").string()
                                    : config.content);
    fuma::host::App app{engine,  pages, content, commands, fuma::host::openapi_document(commands),
                        settings};
    // The demo's data exists before the host listens; its guide follows the
    // listening line, which scripts read first.
    const std::string demo = config.demo ? fuma::host::ensure_demo(engine, config.data) : "";
    return fuma::host::serve(config, app, [&](const std::string& url) {
      if (!config.demo) return;
      std::printf("%s", fuma::host::demo_guide(demo, url).c_str());
      std::fflush(stdout);
    });
  } catch (const fuma::Error& e) {
    std::fprintf(stderr, "fuma-host: %s: %s (%s)\n", options.path.c_str(), e.detail().c_str(),
                 std::string(e.name()).c_str());
  } catch (const fuma::host::TlsError& e) {
    std::fprintf(stderr, "fuma-host: %s\n", e.what());
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "fuma-host: cannot listen on %s:%u: %s\n", config.address.c_str(),
                 static_cast<unsigned>(config.port), e.code().message().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuma-host: %s\n", e.what());
  }
  return 1;
}
