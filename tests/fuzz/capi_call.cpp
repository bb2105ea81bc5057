// SPDX-License-Identifier: Apache-2.0
// fuma_call through the C ABI. The input is split at its first NUL byte:
// the request JSON before it, the bytes payload (an image, an attachment)
// after it. Each request goes to a NULL engine (the stateless commands)
// and to a fresh in-memory engine seeded with an authority, its staff and
// two units, so that commands reach their handlers. A failing call must
// leave a complete error (code, Chinese message, JSON) behind.
//
// store.backup (the system's only, a new file at any path) is the one
// command kept from the engine: a fuzzer must not write files about the
// machine. Boost.JSON reads the request as the engine does, escapes and all.
#include <boost/json/parse.hpp>
#include <cstring>
#include <string>

#include "fuma/fuma.h"
#include "fuzz.hpp"

namespace {

void call(fuma_engine* engine, std::string_view request, std::string_view payload) {
  fuma_result* result = nullptr;
  const int rc =
      fuma_call(&result, engine, request.data(), request.size(), payload.data(), payload.size());
  if (rc == FUMA_OK) {
    std::size_t len = 0;
    if (result == nullptr || fuma_result_json(result, &len) == nullptr || len == 0) {
      fuma::fuzz::finding("FUMA_OK without a result");
    }
  } else {
    if (rc > 0) fuma::fuzz::finding("a failure with a positive code");
    const fuma_error* e = fuma_error_last();
    if (result != nullptr) fuma::fuzz::finding("a failure that returned a result");
    if (e == nullptr || e->code != rc || e->message == nullptr || *e->message == '\0' ||
        e->json == nullptr || *e->json == '\0') {
      fuma::fuzz::finding("a failure without a complete error");
    }
  }
  fuma_result_free(result);
}

bool writes_files(std::string_view request) {
  boost::json::error_code ec;
  const boost::json::value v = boost::json::parse(request, ec);
  if (ec || !v.is_object()) return false;
  const boost::json::value* command = v.as_object().if_contains("command");
  return command != nullptr && command->is_string() && command->as_string() == "store.backup";
}

void seed(fuma_engine* engine) {
  static const char* const setup[] = {
      R"({"command":"authority.create","actor":{"system":true},"args":{"code":"sz","name":"深圳市委编办","division":"440300"}})",
      R"({"command":"staff.create","actor":{"system":true},"args":{"authority":"sz","username":"acc","name":"李四","roles":["acceptor"]}})",
      R"({"command":"staff.create","actor":{"system":true},"args":{"authority":"sz","username":"rev","name":"王五","roles":["reviewer"]}})",
      R"({"command":"unit.register","actor":{"staff":"acc"},"args":{"name":"深圳市某局","category":"机关","address":"深圳市福田区","responsible_person":"张三"}})",
      R"({"command":"unit.register","actor":{"staff":"acc"},"args":{"name":"深圳市某办","category":"机关","address":"深圳市南山区","responsible_person":"赵六","valid_until":"2030-12-31"}})",
  };
  for (const char* request : setup) {
    fuma_result* result = nullptr;
    if (fuma_call(&result, engine, request, std::strlen(request), nullptr, 0) != FUMA_OK) {
      fuma::fuzz::finding("the seed data could not be made");
    }
    fuma_result_free(result);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuma::fuzz::bytes(data, size);
  const std::size_t nul = input.find('\0');
  const std::string_view request = input.substr(0, nul);
  const std::string_view payload =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  call(nullptr, request, payload);
  if (writes_files(request)) return 0;
  fuma_engine* engine = nullptr;
  if (fuma_engine_open(&engine, ":memory:", nullptr) != FUMA_OK) {
    fuma::fuzz::finding("an in-memory engine did not open");
  }
  seed(engine);
  call(engine, request, payload);
  fuma_engine_close(engine);
  return 0;
}
