// SPDX-License-Identifier: Apache-2.0
// A C++ program using the installed static C++ library, fuma::fuma.
//   consumer_cxx DB_PATH
#include <cstdio>
#include <fstream>
#include <string>

#include <fuma/engine.hpp>
#include <fuma/error.hpp>
#include <fuma/uscc.hpp>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DB_PATH\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];

  const fuma::uscc::Check valid = fuma::uscc::check(" 91350100m000100y43\n");
  expect(valid.ok(), "uscc::check accepts a valid code after normalising it");
  expect(valid.code == "91350100M000100Y43", "uscc::check returns the normalised code");
  expect(valid.parts && valid.parts->division == "350100", "uscc::check splits out the division");

  const fuma::uscc::Check wrong = fuma::uscc::check("91350100M000100Y44");
  expect(wrong.reason == fuma::uscc::Reason::check && wrong.position == 18,
         "uscc::check points at a wrong check character");

  try {
    fuma::Options options;
    options.path = path;
    fuma::Engine engine(options);
    const fuma::Response r =
        engine.call(R"({"command":"uscc.check","args":{"code":"91350100M000100Y43"}})");
    expect(contains(r.json, "\"ok\":true") && contains(r.json, "\"valid\":true"),
           "Engine::call runs uscc.check");
    expect(engine.schema_version() > 0, "the engine opened a database with a schema");

    bool refused = false;
    try {
      engine.call(R"({"command":"no.such.command"})");
    } catch (const fuma::Error& e) {
      refused = e.code() == fuma::Errc::unknown_command;
    }
    expect(refused, "an unknown command throws fuma::Error(unknown_command)");
  } catch (const fuma::Error& e) {
    std::fprintf(stderr, "fuma::Error %s: %s\n", std::string(e.name()).c_str(), e.detail().c_str());
    ++failures;
  }
  expect(std::ifstream(path).good(), "the engine created its SQLite file");

  if (failures) {
    std::fprintf(stderr, "consumer (C++): %d check(s) failed\n", failures);
    return 1;
  }
  std::printf("consumer (C++): all checks passed\n");
  return 0;
}
