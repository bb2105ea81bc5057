// SPDX-License-Identifier: Apache-2.0
// The C ABI: a thin translation of fuma.h onto the C++ API. No domain logic
// lives here; every exported body runs inside barrier(), which turns any
// exception into a status code and the thread's last error.
#include <cstring>
#include <new>
#include <string>

#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "fuma/fuma.h"
#include "fuma/uscc.hpp"

// The C numbers are fuma::Errc's; the first and the last pin the range.
static_assert(FUMA_EINTERNAL == static_cast<int>(fuma::Errc::internal));
static_assert(FUMA_ELOGIN_FAILED == static_cast<int>(fuma::Errc::login_failed));

struct fuma_options {
  fuma::Options rep;
};

struct fuma_engine {
  explicit fuma_engine(const fuma::Options& o) : rep(o) {}
  fuma::Engine rep;
};

struct fuma_result {
  fuma::Response rep;
};

namespace {

struct LastError {
  bool set = false;
  std::string name, message, detail, json;
  fuma_error view{};
};

LastError& last_error() {
  thread_local LastError e;
  return e;
}

void set_error(const fuma::Error& err) noexcept {
  LastError& e = last_error();
  try {
    e.name = std::string(err.name());
    e.message = err.message();
    e.detail = err.detail();
    e.json = err.json();
  } catch (...) {
    // Out of memory while recording the error: keep what fits, never throw.
    e.name = "OUT_OF_MEMORY";
    e.message.clear();
    e.detail.clear();
    e.json.clear();
  }
  e.view = fuma_error{static_cast<int>(err.code()), e.name.c_str(), e.message.c_str(),
                      e.detail.c_str(), e.json.c_str()};
  e.set = true;
}

// Runs body() and reports whatever it throws. body returns a status code.
template <typename F>
int barrier(F&& body) noexcept {
  try {
    last_error().set = false;
    return body();
  } catch (const fuma::Error& err) {
    set_error(err);
    return static_cast<int>(err.code());
  } catch (const std::bad_alloc&) {
    try {
      set_error(fuma::Error(fuma::Errc::out_of_memory, "out of memory"));
    } catch (...) {
      last_error().set = false;
    }
    return FUMA_ENOMEM;
  } catch (const std::exception& ex) {
    try {
      set_error(fuma::Error(fuma::Errc::internal, ex.what()));
    } catch (...) {
      last_error().set = false;
    }
    return FUMA_EINTERNAL;
  } catch (...) {
    try {
      set_error(fuma::Error(fuma::Errc::internal, "unknown exception"));
    } catch (...) {
      last_error().set = false;
    }
    return FUMA_EINTERNAL;
  }
}

[[noreturn]] void null_argument(const char* name) {
  throw fuma::Error(fuma::Errc::invalid_argument, std::string(name) + " is NULL", "参数不能为空");
}

template <typename T>
void require(T* p, const char* name) {
  if (p == nullptr) null_argument(name);
}

}  // namespace

extern "C" {

const fuma_error* fuma_error_last(void) {
  const LastError& e = last_error();
  return e.set ? &e.view : nullptr;
}

void fuma_error_clear(void) { last_error().set = false; }

const char* fuma_error_name(int code) {
  // Names are static string literals: the view's data is NUL-terminated.
  return fuma::errc_name(static_cast<fuma::Errc>(code)).data();
}

const char* fuma_version(void) { return FUMA_VERSION; }

int fuma_abi_version(void) { return FUMA_ABI_VERSION; }

int fuma_uscc_validate(const char* code, size_t len) {
  return barrier([&] {
    if (code == nullptr && len > 0) null_argument("code");
    return static_cast<int>(fuma::uscc::validate(std::string_view(code ? code : "", len)));
  });
}

const char* fuma_uscc_reason_name(int reason) {
  return fuma::uscc::reason_name(static_cast<fuma::uscc::Reason>(reason)).data();
}

const char* fuma_uscc_reason_message(int reason) {
  return fuma::uscc::reason_message(static_cast<fuma::uscc::Reason>(reason)).data();
}

int fuma_uscc_allocate(char out[19], char authority, char category, const char* division,
                       const char* segment, unsigned long long serial) {
  return barrier([&] {
    require(out, "out");
    require(division, "division");
    const std::string code =
        fuma::uscc::allocate(authority, category, division, segment ? segment : "", serial);
    std::memcpy(out, code.c_str(), code.size() + 1);
    return FUMA_OK;
  });
}

int fuma_options_new(fuma_options** out) {
  return barrier([&] {
    require(out, "out");
    *out = new fuma_options();
    return FUMA_OK;
  });
}

void fuma_options_free(fuma_options* options) { delete options; }

int fuma_options_set(fuma_options* options, const char* name, const char* value) {
  return barrier([&] {
    require(options, "options");
    require(name, "name");
    require(value, "value");
    options->rep.set(name, value);
    return FUMA_OK;
  });
}

int fuma_engine_open(fuma_engine** out, const char* location, const fuma_options* options) {
  return barrier([&] {
    require(out, "out");
    *out = nullptr;
    fuma::Options o = options ? options->rep : fuma::Options{};
    o.path = location ? location : "";
    *out = new fuma_engine(o);
    return FUMA_OK;
  });
}

void fuma_engine_close(fuma_engine* engine) { delete engine; }

int fuma_call(fuma_result** out, fuma_engine* engine, const char* request, size_t request_len,
              const void* data, size_t data_len) {
  return barrier([&] {
    require(out, "out");
    *out = nullptr;
    if (request == nullptr) null_argument("request");
    if (data == nullptr && data_len > 0) null_argument("data");
    const std::string_view req(request, request_len);
    const std::string_view bytes(static_cast<const char*>(data), data ? data_len : 0);
    fuma::Response r =
        engine ? engine->rep.call(req, bytes) : fuma::Engine::call_stateless(req, bytes);
    *out = new fuma_result{std::move(r)};
    return FUMA_OK;
  });
}

const char* fuma_result_json(const fuma_result* result, size_t* len) {
  if (result == nullptr) {
    if (len) *len = 0;
    return nullptr;
  }
  if (len) *len = result->rep.json.size();
  return result->rep.json.c_str();
}

const void* fuma_result_data(const fuma_result* result, size_t* len) {
  const bool has = result != nullptr && !result->rep.data.empty();
  if (len) *len = has ? result->rep.data.size() : 0;
  return has ? result->rep.data.data() : nullptr;
}

void fuma_result_free(fuma_result* result) { delete result; }

}  // extern "C"
