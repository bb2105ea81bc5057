// SPDX-License-Identifier: Apache-2.0
// Printed forms (下载表格), end to end through Engine::call: the change form
// and the application form (application.form), the filled and the blank
// 申领表 (credential.request_form) and the certificate (certificate.print),
// each timed per form and weighed in bytes. In the same run, the yardstick:
// ReportLab making the same change form (reportlab_change_form.py, run with
// /usr/bin/python3) with the same font, embedded as a subset too. A plain
// program, like fuma-bench-login.
//
//   fuma-bench-forms [rounds]        (default 200)
//
// Targets: every form under 5 ms (median) and under 30 KB; fuma's change
// form faster than ReportLab's and no larger. fuma's time includes the whole
// command (the request parsed, the case read from SQLite, the PDF laid out,
// subset and written, the result's JSON); ReportLab's only the drawing and
// writing, from values in memory.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#ifndef FUMA_BENCH_SOURCE_DIR
#error "FUMA_BENCH_SOURCE_DIR names tests/bench, where reportlab_change_form.py is"
#endif
#ifndef FUMA_BENCH_PYTHON
#define FUMA_BENCH_PYTHON "/usr/bin/python3"
#endif

namespace {

using namespace fuma::bench;
using Clock = std::chrono::steady_clock;

// The font both sides set the forms in: fuma's standard font (AR PL UMing,
// face 0 of the .ttc).
constexpr const char* kFont = "/usr/share/fonts/truetype/arphic/uming.ttc";
constexpr double kMaxMs = 5.0;
constexpr std::size_t kMaxBytes = 30 * 1024;

std::string text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : std::string();
}

// One form the bench times: the request that makes it.
struct Form {
  std::string name;
  std::string request;
  std::vector<double> ms;
  std::size_t bytes = 0;
};

struct Yardstick {
  double median_ms = 0;
  double p90_ms = 0;
  std::size_t bytes = 0;
  std::string font;
};

// The last line of `command`'s output that starts with "reportlab ", parsed;
// false if there is none (the script's errors went to stderr).
bool run_reportlab(const std::string& command, Yardstick& y) {
  fuma::test::Ran ran;
  try {
    ran = fuma::test::run(command);
  } catch (const std::runtime_error&) {
    return false;
  }
  std::istringstream lines(ran.output);
  bool found = false;
  for (std::string line; std::getline(lines, line);) {
    char font[2048] = {0};
    unsigned long bytes = 0;
    if (std::sscanf(line.c_str(), "reportlab median_ms=%lf p90_ms=%lf bytes=%lu font=%2047s",
                    &y.median_ms, &y.p90_ms, &bytes, font) == 4) {
      y.bytes = bytes;
      y.font = font;
      found = true;
    }
  }
  return ran.status == 0 && found;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

const char* yes(bool b) { return b ? "yes" : "NO"; }

}  // namespace

int main(int argc, char** argv) try {
  const int rounds = argc > 1 ? std::max(10, std::atoi(argv[1])) : 200;
  fuma::test::TempDir dir;
  fuma::Options options;
  options.path = dir.file("fuma.db");
  options.public_url = "https://fuma.example.gov.cn";
  fuma::Engine engine(options);

  // An authority with an acceptor; one unit with a change case (two items,
  // a reason), its certificate and a credential request; another with a
  // reissue case (a unit has one open case at a time).
  const json::object acc = setup_acceptor(engine);
  const std::string address = "深圳市福田区福中三路1号";
  const json::object registered = register_unit(engine, acc, "深圳市某某局", address);
  const std::string uscc = text(registered.at("uscc"));
  const std::string serial = text(registered.at("certificate").at("serial"));
  const std::string other = text(register_unit(engine, acc, "深圳市另一局", address).at("uscc"));
  const json::object me{{"unit", uscc}};
  const json::object them{{"unit", other}};

  const std::int64_t change = call(engine, "application.start", {{"business", "change"}}, me)
                                  .at("application")
                                  .at("id")
                                  .as_int64();
  const json::object saved =
      call(engine, "application.save",
           {{"id", change},
            {"fields",
             {{"items",
               json::array{json::object{{"item", "name"}, {"new", "深圳市某某管理局"}},
                           json::object{{"item", "address"}, {"new", "深圳市南山区科技园路2号"}}}},
              {"reason", "机构改革更名"}}}},
           me);
  const std::int64_t reissue = call(engine, "application.start", {{"business", "reissue"}}, them)
                                   .at("application")
                                   .at("id")
                                   .as_int64();
  call(engine, "application.save", {{"id", reissue}, {"fields", {{"reason", "证书遗失"}}}}, them);
  const json::object request = request_credential(engine, acc, uscc, "2026-11-20");

  std::vector<Form> forms{
      {"change form", request_text("application.form", {{"id", change}}, me), {}, 0},
      {"application form", request_text("application.form", {{"id", reissue}}, them), {}, 0},
      {"申领表, filled",
       request_text("credential.request_form", {{"request", request.at("request").at("id")}}, acc),
       {},
       0},
      {"申领表, blank", request_text("credential.request_form", {}, {}), {}, 0},
      {"certificate", request_text("certificate.print", {{"uscc", uscc}}, acc), {}, 0},
  };

  // One untimed form each: every one is a PDF, and the font's first use
  // (its tables read) is not counted.
  for (Form& f : forms) {
    const std::string pdf = engine.call(f.request).data;
    if (pdf.rfind("%PDF-", 0) != 0) {
      std::fprintf(stderr, "%s: not a PDF\n", f.name.c_str());
      return 1;
    }
    f.bytes = pdf.size();
  }
  // Interleaved, so every form sees the same machine.
  for (int i = 0; i < rounds; ++i) {
    for (Form& f : forms) {
      const auto t0 = Clock::now();
      const fuma::Response r = engine.call(f.request);
      const auto t1 = Clock::now();
      f.ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      f.bytes = std::max(f.bytes, r.data.size());
    }
  }

  // The values of the change form as fuma printed them, for ReportLab.
  std::string change_pdf;
  const json::object printed =
      call(engine, "application.form", {{"id", change}}, me, {}, &change_pdf);
  const json::object& fields = saved.at("application").at("fields").as_object();
  json::array rows;
  for (const json::value& item : fields.at("items").as_array()) {
    rows.push_back(json::object{
        {"label", item.at("label")}, {"old", item.at("old")}, {"new", item.at("new")}});
  }
  const json::object& unit = registered.at("unit").as_object();
  const json::object values{{"title", "机关、群团等统一社会信用代码证书信息变更申请表"},
                            {"fields",
                             {{"unit.name", unit.at("name")},
                              {"unit.uscc", uscc},
                              {"certificate.serial", serial},
                              {"unit.address", unit.at("address")},
                              {"unit.responsible_person", unit.at("responsible_person")},
                              {"application.reason", fields.at("reason")}}},
                            {"rows", rows},
                            {"qr", printed.at("code")},
                            {"mark", !printed.at("for_signing").as_bool()}};
  const std::string values_path = dir.file("values.json");
  std::ofstream(values_path, std::ios::binary) << json::serialize(values);

  std::printf("%d rounds per form; fuma: the whole command through Engine::call\n\n", rounds);
  std::printf("%-22s %10s %10s %10s\n", "form", "median ms", "p90 ms", "bytes");
  bool all_fast = true;
  bool all_small = true;
  for (const Form& f : forms) {
    const double m = median(f.ms);
    all_fast = all_fast && m < kMaxMs;
    all_small = all_small && f.bytes < kMaxBytes;
    // printf pads by bytes: 申领表 takes 9 bytes and 6 columns.
    const int pad = f.name.rfind("申领表", 0) == 0 ? 25 : 22;
    std::printf("%-*s %10.3f %10.3f %10zu\n", pad, f.name.c_str(), m, percentile(f.ms, 0.9),
                f.bytes);
  }

  const std::string command =
      std::string(FUMA_BENCH_PYTHON) + " " +
      quoted(std::string(FUMA_BENCH_SOURCE_DIR) + "/reportlab_change_form.py") + " " +
      std::to_string(rounds) + " " + quoted(kFont) + " " + quoted(values_path) + " --index 0";
  Yardstick y;
  if (!run_reportlab(command, y)) {
    std::fprintf(stderr, "\nthe ReportLab yardstick failed: %s\n", command.c_str());
    return 1;
  }
  std::printf("%-22s %10.3f %10.3f %10zu\n", "ReportLab change form", y.median_ms, y.p90_ms,
              y.bytes);
  std::printf("  (ReportLab %s, font %s, values in memory, %s)\n\n",
              FUMA_BENCH_SOURCE_DIR "/reportlab_change_form.py", y.font.c_str(),
              values.at("mark").as_bool() ? "with the 仅供核对 mark as fuma's" : "unmarked");

  const Form& change_form = forms.front();
  const double time_ratio = median(change_form.ms) / y.median_ms;
  const double size_ratio = static_cast<double>(change_form.bytes) / static_cast<double>(y.bytes);
  std::printf("change form, fuma / ReportLab: time %.3f, bytes %.3f\n\n", time_ratio, size_ratio);
  std::printf("targets:\n");
  const std::string fast = "every form under " + std::to_string(static_cast<int>(kMaxMs)) + " ms";
  const std::string small = "every form under " + std::to_string(kMaxBytes / 1024) + " KB";
  std::printf("  %-40s %s\n", (fast + " (median):").c_str(), yes(all_fast));
  std::printf("  %-40s %s\n", (small + ":").c_str(), yes(all_small));
  std::printf("  %-40s %s\n", "change form faster than ReportLab's:", yes(time_ratio < 1.0));
  std::printf("  %-40s %s\n", "change form no larger than ReportLab's:", yes(size_ratio <= 1.0));
  return 0;
} catch (const fuma::Error& e) {
  std::fprintf(stderr, "fuma-bench-forms: %s\n", e.json().c_str());
  return 1;
}
