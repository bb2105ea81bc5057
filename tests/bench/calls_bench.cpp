// SPDX-License-Identifier: Apache-2.0
// The calls fuma-host makes for one HTTP request, in process: the unit's
// case view and a durable save, each with the unit's session token as the
// host passes it, and the same view by a staff member's session. What the
// HTTP benchmark (bench/host) adds on top of these is the host's own cost.
//
//   fuma-bench-calls [Google Benchmark options]
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_support.hpp"
#include "fuma/engine.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace fuma::bench;

// One file with a logged-in unit (commitment accepted), its 申请补领 draft
// and a logged-in acceptor, made once for every benchmark.
struct World {
  fuma::test::TempDir dir;
  std::unique_ptr<fuma::Engine> engine;
  json::object unit;   // {"session": token}
  json::object staff;  // {"staff_session": token}
  std::int64_t id = 0;

  World() {
    fuma::Options options;
    options.path = dir.file("fuma.db");
    options.captcha_answer = "7777";
    engine = std::make_unique<fuma::Engine>(options);
    fuma::Engine& e = *engine;
    const json::object acc = setup_acceptor(e);
    call(e, "staff.password", {{"username", "acc"}, {"password", "acc-benchmark-2026"}},
         {{"system", true}});
    const std::string png = unit_with_picture(e, acc);
    const std::string captcha(call(e, "session.captcha", {}, {}).at("captcha_id").as_string());
    const json::object login =
        call(e, "session.login", {{"captcha_id", captcha}, {"captcha_answer", "7777"}}, {}, png);
    unit = {{"session", login.at("token")}};
    call(e, "session.commit",
         {{"text_version", login.at("session").at("commitment").at("text_version")}}, unit);
    id = call(e, "application.start", {{"business", "reissue"}}, unit)
             .at("application")
             .at("id")
             .as_int64();
    const json::object staff_login =
        call(e, "staff.login", {{"username", "acc"}, {"password", "acc-benchmark-2026"}}, {});
    staff = {{"staff_session", staff_login.at("token")}};
  }
};

World& world() {
  static World w;
  return w;
}

void BM_ViewByUnitSession(benchmark::State& state) {
  World& w = world();
  const std::string req = request_text("application.view", {{"id", w.id}}, w.unit);
  for (auto _ : state) benchmark::DoNotOptimize(w.engine->call(req));
}
BENCHMARK(BM_ViewByUnitSession);

void BM_ViewByStaffSession(benchmark::State& state) {
  World& w = world();
  const std::string req = request_text("application.view", {{"id", w.id}}, w.staff);
  for (auto _ : state) benchmark::DoNotOptimize(w.engine->call(req));
}
BENCHMARK(BM_ViewByStaffSession);

// A durable commit each: the sync is most of it. With 8 threads, writers
// waiting on a commit share the next one (group commit).
void BM_SaveByUnitSession(benchmark::State& state) {
  World& w = world();
  const std::string req = request_text(
      "application.save", {{"id", w.id}, {"fields", {{"reason", "证书遗失，申请补领"}}}}, w.unit);
  for (auto _ : state) benchmark::DoNotOptimize(w.engine->call(req));
}
BENCHMARK(BM_SaveByUnitSession)->UseRealTime()->Threads(1)->Threads(8)->Threads(32);

}  // namespace

// The file is made before any benchmark runs, so that a profiler limited to
// the benchmarks' functions sees the calls alone.
int main(int argc, char** argv) {
  world();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
