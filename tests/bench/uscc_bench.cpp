// SPDX-License-Identifier: Apache-2.0
// USCC validation throughput through the C++ API, the typed C function, and
// the JSON command entry point (C ABI), on a fixed mix of valid and invalid
// codes so every path of the check is exercised.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "fuma/fuma.h"
#include "fuma/uscc.hpp"

namespace {

const std::vector<std::string>& codes() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> v;
    for (unsigned serial = 0; serial < 96; ++serial) {
      v.push_back(fuma::uscc::allocate('1', '1', "440300", "", serial * 7919u));
    }
    v.push_back("91350100M000100Y4X");   // CHECK
    v.push_back("91350100M000100Y53");   // ORG_CHECK
    v.push_back("1199999900000000XX");   // DIVISION
    v.push_back("11440300Ｏ00000000N");  // CHARSET
    return v;
  }();
  return list;
}

void BM_Cxx_Validate(benchmark::State& state) {
  const auto& list = codes();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fuma::uscc::validate(list[i++ % list.size()]));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Cxx_Validate);

void BM_Cxx_Check(benchmark::State& state) {
  const auto& list = codes();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fuma::uscc::check(list[i++ % list.size()]));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Cxx_Check);

void BM_C_Validate(benchmark::State& state) {
  const auto& list = codes();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& c = list[i++ % list.size()];
    benchmark::DoNotOptimize(fuma_uscc_validate(c.data(), c.size()));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_C_Validate);

void BM_C_CommandCheck(benchmark::State& state) {
  std::vector<std::string> requests;
  for (const auto& c : codes()) {
    requests.push_back(R"({"command":"uscc.check","args":{"code":")" + c + "\"}}");
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& r = requests[i++ % requests.size()];
    fuma_result* out = nullptr;
    if (fuma_call(&out, nullptr, r.data(), r.size(), nullptr, 0) != FUMA_OK) {
      state.SkipWithError("fuma_call failed");
      break;
    }
    benchmark::DoNotOptimize(fuma_result_json(out, nullptr));
    fuma_result_free(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_C_CommandCheck);

}  // namespace
