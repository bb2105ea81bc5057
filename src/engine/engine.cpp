// SPDX-License-Identifier: Apache-2.0
#include "fuma/engine.hpp"

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <fstream>

#include <cstdio>
#include <filesystem>
#include <mutex>

#include "actor.hpp"
#include "calendar.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "crypto/crypto.hpp"
#include "dispatch.hpp"
#include "fuma/attachments.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"
#include "guide/guide.hpp"
#include "json_text.hpp"
#include "operation.hpp"
#include "printing.hpp"
#include "security.hpp"
#include "steps.hpp"
#include "store/store.hpp"

namespace fuma {
namespace {

namespace json = boost::json;

// Bounds on one request: large enough for any real command (a 10 MB code
// still gets its LENGTH verdict), small enough that no caller can make the
// engine hold unbounded memory.
constexpr std::size_t kMaxRequestBytes = 16u << 20;
constexpr std::size_t kMaxDataBytes = 64u << 20;

[[noreturn]] void bad_request(std::string detail, std::string message = "请求格式有误") {
  throw Error(Errc::invalid_argument, std::move(detail), std::move(message));
}

struct Envelope {
  json::value parsed;
  std::string_view command;
  const json::object* args = nullptr;
  const json::object* actor = nullptr;
  std::string_view idempotency_key;
  std::string_view request_id;
};

// Long enough for a UUID or a hash in any notation, short enough to keep
// the remembered keys small.
constexpr std::size_t kMaxIdempotencyKeyBytes = 128;
// The same bound for a request id, which every audit record keeps.
constexpr std::size_t kMaxRequestIdBytes = 128;

// Printable ASCII without spaces: a request id goes into logs and headers
// as it is, where a space, a quote-less control byte or a line break would
// split or forge a field.
bool request_id_shaped(std::string_view id) {
  return !id.empty() && id.size() <= kMaxRequestIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < '\x7f'; });
}

Envelope parse_envelope(std::string_view request, const json::storage_ptr& storage) {
  if (request.empty()) bad_request("request is empty");
  if (request.size() > kMaxRequestBytes) {
    bad_request("request is larger than " + std::to_string(kMaxRequestBytes) + " bytes",
                "请求内容过大");
  }
  std::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  Envelope env{json::parse(request, ec, storage, opts), {}, nullptr, nullptr, {}, {}};
  if (ec) bad_request("request is not valid JSON: " + ec.message());
  const json::object* top = env.parsed.if_object();
  if (top == nullptr) bad_request("request must be a JSON object");
  for (const auto& kv : *top) {
    if (kv.key() != "command" && kv.key() != "args" && kv.key() != "actor" &&
        kv.key() != "idempotency_key" && kv.key() != "request_id") {
      bad_request("unknown request field '" + std::string(kv.key()) + "'");
    }
  }
  const json::value* cmd = top->if_contains("command");
  if (cmd == nullptr || !cmd->is_string() || cmd->get_string().empty()) {
    bad_request("request.command must be a non-empty string");
  }
  env.command = cmd->get_string();
  static const json::object kEmpty;
  env.args = &kEmpty;
  if (const json::value* a = top->if_contains("args"); a && !a->is_null()) {
    env.args = a->if_object();
    if (env.args == nullptr) bad_request("request.args must be a JSON object");
  }
  if (const json::value* a = top->if_contains("actor"); a && !a->is_null()) {
    env.actor = a->if_object();
    if (env.actor == nullptr) bad_request("request.actor must be a JSON object");
  }
  if (const json::value* k = top->if_contains("idempotency_key"); k && !k->is_null()) {
    const json::string* key = k->if_string();
    if (key == nullptr || key->empty() || key->size() > kMaxIdempotencyKeyBytes) {
      bad_request("request.idempotency_key must be a string of 1 to " +
                  std::to_string(kMaxIdempotencyKeyBytes) + " bytes");
    }
    env.idempotency_key = *key;
  }
  if (const json::value* k = top->if_contains("request_id"); k && !k->is_null()) {
    const json::string* id = k->if_string();
    if (id == nullptr || !request_id_shaped(*id)) {
      bad_request("request.request_id must be a string of 1 to " +
                  std::to_string(kMaxRequestIdBytes) +
                  " printable ASCII characters without spaces");
    }
    env.request_id = *id;
  }
  return env;
}

}  // namespace

namespace engine {

Response dispatch(const std::vector<Command>& list, const Services& services,
                  std::string_view request, std::string_view data) {
  store::Store* const store = services.store;
  if (data.size() > kMaxDataBytes) {
    bad_request("data is larger than " + std::to_string(kMaxDataBytes) + " bytes", "上传内容过大");
  }
  // The call's arena (Context::storage): the request is parsed into it and
  // the answer made in it, and all of it goes at once when the call ends.
  unsigned char first_block[8192];
  json::monotonic_resource arena(first_block, sizeof first_block);
  const json::storage_ptr storage(&arena);
  Envelope env = parse_envelope(request, storage);
  auto it =
      std::lower_bound(list.begin(), list.end(), env.command,
                       [](const engine::Command& c, std::string_view n) { return c.name < n; });
  if (it == list.end() || it->name != env.command) {
    throw Error(Errc::unknown_command, "unknown command '" + std::string(env.command) + "'");
  }
  if (it->needs_store() && store == nullptr) {
    bad_request("command '" + std::string(env.command) + "' needs an engine",
                "该操作需要打开数据文件");
  }
  // The claim is parsed (and a session token hashed) once, before any
  // transaction; a malformed actor is refused by every command alike.
  engine::Claim claim = engine::parse_claim(
      env.actor, services.security ? services.security->digest() : crypto::Digest::sha256);
  engine::require_caller(*it, claim);
  engine::check_args(*it, env.parsed.get_object().if_contains("args"));
  engine::Context ctx{engine::StoreAccess(store),
                      services.domain,
                      services.security,
                      services.printing,
                      engine::Args(*env.args),
                      *it,
                      std::move(claim),
                      data,
                      env.command,
                      env.idempotency_key,
                      env.request_id,
                      services.clock ? services.clock() : std::chrono::system_clock::now(),
                      storage};
  engine::Output out = it->run(ctx);
  // The frame is the declaration's, not the handler's: one that never
  // entered it gets it now, around the answer it made.
  if (!ctx.framed && it->needs_store()) {
    ctx.args.finish();
    out = engine::apply_frame(ctx, std::move(out));
  }
  ctx.args.finish();
  // The transaction has ended: the answer is written now, in one piece.
  engine::JsonText w;
  w.begin_object();
  w.member("ok", true);
  if (out.write) out.write(w);
  w.end_object();
  return Response{w.take(), std::move(out.data)};
}

}  // namespace engine

namespace {

// A workflow definition or checklist is a few KiB; the bound keeps a wrong
// path (a database, a log) from being read whole into memory.
constexpr std::size_t kMaxDefinitionBytes = 1u << 20;

// The text of a locality's file named by option `option`; `what` names it
// in Chinese for the message.
std::string read_definition(const std::string& path, std::string_view option,
                            const std::string& what) {
  const std::string named = std::string(option) + " '" + path + "'";
  if (path.find('\0') != std::string::npos) {
    throw Error(Errc::invalid_argument, named + " contains a NUL byte", what + "路径无效");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(kMaxDefinitionBytes + 1, '\0');
  if (in) in.read(text.data(), static_cast<std::streamsize>(text.size()));
  // A directory opens but fails to read (badbit); a short file ends at eof.
  if (!in.is_open() || in.bad()) {
    throw Error(Errc::invalid_argument, named + " cannot be read", "无法读取" + what + "：" + path);
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxDefinitionBytes) {
    throw Error(Errc::invalid_argument,
                named + " is larger than " + std::to_string(kMaxDefinitionBytes) + " bytes",
                what + "过大：" + path);
  }
  return text;
}

}  // namespace

namespace {

constexpr std::string_view kSuiteKey = "crypto_suite";
constexpr std::string_view kAuditDigestKey = "audit_digest";

struct Recorded {
  std::optional<crypto::Suite> suite;
  std::optional<crypto::Digest> audit_digest;
  bool written = false;  // a command has been written (the audit log has a record)
};

Recorded read_recorded(store::Transaction& txn) {
  Recorded r;
  if (std::optional<std::string> v = txn.meta(kSuiteKey)) {
    r.suite = crypto::suite_named(*v);
    if (!r.suite) {
      throw Error(Errc::version,
                  "the store records crypto suite '" + *v + "', which this fuma does not know",
                  "数据文件使用的密码算法套件不受此版本支持：" + *v);
    }
  }
  if (std::optional<std::string> v = txn.meta(kAuditDigestKey)) {
    r.audit_digest = crypto::digest_named(*v);
    if (!r.audit_digest) {
      throw Error(Errc::version,
                  "the store's audit chain uses digest '" + *v + "', which this fuma does not know",
                  "审计日志使用的摘要算法不受此版本支持：" + *v);
    }
  }
  r.written = txn.last_audit_hash().has_value();
  return r;
}

// The store's suite: the one it records; for a store on which no command
// has been written yet, the one asked for (standard when none), recorded
// now with the audit chain's digest; for an older store with records but
// no record of its suite, standard. Asking for another than the store's is
// an error naming both: a suite cannot change under existing digests and
// sealed keys.
void settle_suite(store::Store& store, std::optional<crypto::Suite> asked,
                  engine::Security& security) {
  auto settle = [&](store::Transaction& txn, bool may_write) {
    Recorded r = read_recorded(txn);
    if (!r.suite && !r.written && may_write) {
      r.suite = asked.value_or(crypto::Suite::standard);
      r.audit_digest = crypto::digest_of(*r.suite);
      txn.insert_meta(kSuiteKey, crypto::name(*r.suite));
      txn.insert_meta(kAuditDigestKey, crypto::name(*r.audit_digest));
    }
    return r;
  };
  Recorded r;
  store.read([&](store::Transaction& txn) { r = settle(txn, false); });
  if (!r.suite && !r.written) {
    store.write([&](store::Transaction& txn) { r = settle(txn, true); });
  }
  const crypto::Suite suite = r.suite.value_or(crypto::Suite::standard);
  if (asked && *asked != suite) {
    const std::string have(crypto::name(suite));
    const std::string want(crypto::name(*asked));
    throw Error(Errc::invalid_argument,
                "the store was created with crypto suite '" + have +
                    "', but option crypto_suite "
                    "is '" +
                    want + "'; a store keeps the suite it was created with",
                "数据文件创建时选用的密码算法套件为" + have + "，与选项crypto_suite=" + want +
                    "不一致；已有数据文件不能更换密码算法套件");
  }
  security.suite = suite;
  security.audit_digest = r.audit_digest.value_or(crypto::Digest::sha256);
}

// A budget below this would refuse ordinary login pictures (a phone's
// photo of one is 12 megapixels); a "32" meant as megapixels is caught.
constexpr std::uint64_t kMinDecodeBudget = 1'000'000;

int integer_option(std::string_view name, std::string_view value, int min) {
  int v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v < min) {
    throw Error(Errc::invalid_argument,
                std::string(name) + " must be an integer of at least " + std::to_string(min),
                "选项" + std::string(name) + "应为不小于" + std::to_string(min) + "的整数");
  }
  return v;
}
}  // namespace

void Options::set(std::string_view name, std::string_view value) {
  // "busy_timeout_ms" is the name it had before the store had backends.
  if (name == "sqlite_busy_timeout_ms" || name == "busy_timeout_ms") {
    busy_timeout_ms = integer_option(name, value, 0);
    return;
  }
  if (name == "postgresql_pool_size") {
    postgresql_pool_size = integer_option(name, value, 1);
    return;
  }
  if (name == "postgresql_wait_ms") {
    postgresql_wait_ms = integer_option(name, value, 0);
    return;
  }
  if (name == "session_idle_seconds") {
    session_idle_seconds = integer_option(name, value, 1);
    return;
  }
  if (name == "session_absolute_seconds") {
    session_absolute_seconds = integer_option(name, value, 1);
    return;
  }
  if (name == "captcha_per_minute") {
    captcha_per_minute = integer_option(name, value, 1);
    return;
  }
  if (name == "decode_pixel_budget") {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || v < kMinDecodeBudget) {
      throw Error(Errc::invalid_argument,
                  "decode_pixel_budget must be an integer of at least " +
                      std::to_string(kMinDecodeBudget) + " (pixels, not megapixels)",
                  "选项decode_pixel_budget应为不小于" + std::to_string(kMinDecodeBudget) +
                      "的整数（像素数）");
    }
    decode_pixel_budget = v;
    return;
  }
  if (name == "commitment_path") {
    commitment_path = std::string(value);
    return;
  }
  if (name == "key_file") {
    key_file = std::string(value);
    return;
  }
  if (name == "guide_path") {
    guide_path = std::string(value);
    return;
  }
  if (name == "locality_path") {
    locality_path = std::string(value);
    return;
  }
  if (name == "holidays_path") {
    holidays_path = std::string(value);
    return;
  }
  if (name == "font_path") {
    font_path = std::string(value);
    return;
  }
  if (name == "font_index") {
    font_index = integer_option(name, value, 0);
    return;
  }
  if (name == "forms_dir") {
    forms_dir = std::string(value);
    return;
  }
  if (name == "public_url") {
    public_url = std::string(value);
    return;
  }
  if (name == "captcha_answer") {
    captcha_answer = std::string(value);
    return;
  }
  if (name == "crypto_suite") {
    if (!crypto::suite_named(value)) {
      throw Error(
          Errc::invalid_argument,
          "crypto_suite must be 'standard' or 'sm', not '" + std::string(value.substr(0, 32)) + "'",
          "选项crypto_suite应为standard（国际算法）或sm（商用密码算法）");
    }
    crypto_suite = std::string(value);
    return;
  }
  // Any string: the file is read, and judged, when the Engine opens.
  if (name == "workflow_path") {
    workflow_path = std::string(value);
    return;
  }
  if (name == "checklist_path") {
    checklist_path = std::string(value);
    return;
  }
  throw Error(Errc::invalid_argument, "unknown option '" + std::string(name) + "'", "未知选项");
}

Engine::Engine(const Options& options) {
  if (options.path.find('\0') != std::string::npos) {
    throw Error(Errc::invalid_argument, "path contains a NUL byte", "数据文件路径无效");
  }
  // "memory:" and SQLite's own ":memory:" keep the store in memory (taken as
  // a file name, ":memory:" would give the writer and the readers
  // separate, empty databases); "postgresql://..." is a server's database.
  const store::Location where = store::Location::parse(options.path);
  if (where.backend == store::Location::Backend::postgresql && options.key_file.empty()) {
    // Beside a file is where a SQLite store's key goes; a database on a
    // server has no "beside", and several hosts must all name the same key.
    throw Error(Errc::invalid_argument,
                "a store on PostgreSQL needs option key_file: the master key that seals the "
                "signing keys is not kept in the database",
                "使用PostgreSQL数据存储时须通过选项key_file指定密钥文件");
  }
  // The files first: a bad one should not leave a new database behind.
  if (options.workflow_path.empty()) {
    // Aliasing an empty owner: points at the library's own, deletes nothing.
    workflow_ = std::shared_ptr<const workflow::Definition>(std::shared_ptr<void>(),
                                                            &workflow::Definition::standard());
  } else {
    workflow_ = std::make_shared<const workflow::Definition>(workflow::Definition::parse(
        read_definition(options.workflow_path, "workflow_path", "业务流程定义文件"),
        options.workflow_path));
  }
  if (options.checklist_path.empty()) {
    rules_ = std::shared_ptr<const attachments::Rules>(std::shared_ptr<void>(),
                                                       &attachments::Rules::standard());
  } else {
    std::vector<std::string> keys;
    for (const auto& b : workflow_->businesses()) keys.push_back(b.key);
    rules_ = std::make_shared<const attachments::Rules>(attachments::Rules::parse(
        read_definition(options.checklist_path, "checklist_path", "附件清单文件"),
        options.checklist_path, keys));
  }
  // 申请材料 is what to bring for a business done on site and what to upload
  // for one done online: an on_site list for an online business would be
  // ignored without a word. (An on-site business's upload lists, as files
  // older than on_site have, are shown as what to bring.)
  for (const workflow::Business& b : workflow_->businesses()) {
    const std::string source =
        options.checklist_path.empty() ? "checklists.json" : options.checklist_path;
    const std::string place = "businesses." + b.key;
    if (b.online && !rules_->on_site(b.key).empty()) {
      throw Error(Errc::invalid_argument,
                  source + ": " + place + ".on_site: '" + b.key +
                      "' is done online in the workflow; on_site lists what is brought to the "
                      "window for a business done on site",
                  "附件清单数据格式错误：" + place + ".on_site");
    }
  }
  if (!options.guide_path.empty()) {
    std::vector<std::string> keys;
    for (const auto& b : workflow_->businesses()) keys.push_back(b.key);
    guide_ = std::make_shared<const guide::Guide>(
        guide::Guide::parse(read_definition(options.guide_path, "guide_path", "服务指南文件"),
                            options.guide_path, keys));
  } else {
    guide_ =
        std::shared_ptr<const guide::Guide>(std::shared_ptr<void>(), &guide::Guide::standard());
  }
  if (!options.locality_path.empty()) {
    locality_ = std::make_shared<const guide::Locality>(guide::Locality::parse(
        read_definition(options.locality_path, "locality_path", "联系方式文件"),
        options.locality_path));
  } else {
    locality_ = std::shared_ptr<const guide::Locality>(std::shared_ptr<void>(),
                                                       &guide::Locality::standard());
  }
  if (options.holidays_path.empty()) {
    calendar_ = std::shared_ptr<const engine::Calendar>(std::shared_ptr<void>(),
                                                        &engine::Calendar::standard());
  } else {
    calendar_ = std::make_shared<const engine::Calendar>(engine::Calendar::parse_over(
        engine::Calendar::standard(),
        read_definition(options.holidays_path, "holidays_path", "节假日安排文件"),
        options.holidays_path));
  }
  {
    // Deadlines this year would fall back to Monday to Friday: said once
    // here, where whoever starts the service reads, and in each answer.
    const engine::Date today =
        engine::china_date(options.clock ? options.clock() : std::chrono::system_clock::now());
    if (!calendar_->covers(today.year)) {
      std::fprintf(stderr,
                   "fuma: WARNING: the holiday calendar does not cover %d: deadlines count "
                   "Monday to Friday. Load that year's arrangement with holidays_path.\n",
                   today.year);
    }
  }
  security_ = std::make_unique<engine::Security>();
  if (options.commitment_path.empty()) {
    security_->commitment = std::shared_ptr<const session::Commitment>(
        std::shared_ptr<void>(), &session::Commitment::standard());
  } else {
    security_->commitment = std::make_shared<const session::Commitment>(session::Commitment::parse(
        read_definition(options.commitment_path, "commitment_path", "登录承诺文件"),
        options.commitment_path));
  }
  if (options.session_idle_seconds < 1 || options.session_absolute_seconds < 1) {
    throw Error(Errc::invalid_argument, "session timeouts must be at least one second",
                "会话超时时间应至少为1秒");
  }
  security_->session_idle = std::chrono::seconds(options.session_idle_seconds);
  security_->session_absolute = std::chrono::seconds(options.session_absolute_seconds);
  if (options.captcha_per_minute < 1) {
    throw Error(Errc::invalid_argument, "captcha_per_minute must be at least 1",
                "验证码频率限制应至少为每分钟1次");
  }
  security_->captcha_rate =
      std::make_unique<engine::RateLimit>(options.captcha_per_minute, std::chrono::seconds(60));
  if (options.decode_pixel_budget < kMinDecodeBudget) {
    throw Error(Errc::invalid_argument,
                "decode_pixel_budget must be at least " + std::to_string(kMinDecodeBudget),
                "选项decode_pixel_budget应不小于" + std::to_string(kMinDecodeBudget));
  }
  security_->decode_budget =
      std::make_unique<image::PixelBudget>(options.decode_pixel_budget, engine::kDecodeWait);
  if (!options.captcha_answer.empty()) {
    security_->fixed_captcha = engine::checked_fixed_captcha(options.captcha_answer);
    // Loud on purpose: a production engine with this on lets bots past.
    std::fprintf(stderr,
                 "fuma: WARNING: captcha_answer is set: every captcha has the answer '%s'. "
                 "For tests and demonstrations only.\n",
                 security_->fixed_captcha->c_str());
  }
  if (options.key_file.find('\0') != std::string::npos) {
    throw Error(Errc::invalid_argument, "key_file contains a NUL byte", "密钥文件路径无效");
  }
  if (where.backend == store::Location::Backend::sqlite) {
    security_->key_file = options.key_file.empty() ? where.target + ".key" : options.key_file;
  } else if (where.backend == store::Location::Backend::postgresql) {
    security_->key_file = options.key_file;
  }
  printing_ = std::make_unique<engine::Printing>();
  if (!options.font_path.empty()) {
    printing_->opened_font =
        pdf::Font::load(options.font_path, static_cast<unsigned>(options.font_index));
  } else {
    // Found now, so that a system without the font fails to open the engine
    // with a message naming the package, rather than at the first form.
    printing_->opened_font = pdf::Font::standard();
  }
  if (!options.forms_dir.empty()) {
    for (const char* key : {"change", "application", "credential_request", "certificate"}) {
      const std::string file = options.forms_dir + "/" + key + ".json";
      std::error_code ec;
      if (!std::filesystem::exists(file, ec)) continue;
      forms::Template t =
          forms::Template::parse(read_definition(file, "forms_dir", "表格模板文件"), file);
      if (t.key() != key) {
        throw Error(Errc::invalid_argument, file + ": key is '" + t.key() + "', not '" + key + "'",
                    "表格模板文件有误：" + file);
      }
      printing_->templates.emplace(key, std::move(t));
    }
  }
  // The workflow against what this engine runs: a command for every step,
  // a case form for every business (a locality's templates included).
  workflow::Runtime runtime{engine::step_actions(), {}};
  for (const char* key : {"change", "application"}) {
    const forms::Kind kind = printing_->form(key).kind();
    if (kind == forms::Kind::change || kind == forms::Kind::application) {
      runtime.forms.emplace_back(key);
    }
  }
  workflow_->check(runtime);
  printing_->public_url = options.public_url;
  while (!printing_->public_url.empty() && printing_->public_url.back() == '/') {
    printing_->public_url.pop_back();
  }
  std::optional<crypto::Suite> asked;
  if (!options.crypto_suite.empty()) {
    asked = crypto::suite_named(options.crypto_suite);
    if (!asked) {
      throw Error(Errc::invalid_argument,
                  "crypto_suite must be 'standard' or 'sm', not '" + options.crypto_suite + "'",
                  "选项crypto_suite应为standard（国际算法）或sm（商用密码算法）");
    }
  }
  store::OpenOptions open;
  open.sqlite_busy_timeout_ms = options.busy_timeout_ms;
  open.postgresql_pool_size = options.postgresql_pool_size;
  open.postgresql_wait_ms = options.postgresql_wait_ms;
  store_ = store::open(where, open);
  settle_suite(*store_, asked, *security_);
  clock_ = options.clock;
}

Engine::~Engine() = default;

StoreCopy copy_store(std::string_view from, std::string_view to, const Options& options) {
  store::OpenOptions open;
  open.sqlite_busy_timeout_ms = options.busy_timeout_ms;
  open.postgresql_wait_ms = options.postgresql_wait_ms;
  const store::CopyReport r =
      store::copy_store(store::Location::parse(from), store::Location::parse(to), open);
  StoreCopy out;
  out.schema_version = r.schema_version;
  out.rows = r.rows;
  out.last_audit_hash = r.last_audit_hash.value_or("");
  return out;
}

Response Engine::call(std::string_view request, std::string_view data) {
  return engine::dispatch(
      engine::commands(),
      engine::Services{store_.get(),
                       engine::Domain{*workflow_, *rules_, *guide_, *locality_, *calendar_},
                       security_.get(), printing_.get(), clock_},
      request, data);
}

Response Engine::call_stateless(std::string_view request, std::string_view data) {
  // Stateless commands belong to no locality: the shipped definitions.
  return engine::dispatch(
      engine::commands(),
      engine::Services{nullptr,
                       engine::Domain{workflow::Definition::standard(),
                                      attachments::Rules::standard(), guide::Guide::standard(),
                                      guide::Locality::standard(), engine::Calendar::standard()},
                       nullptr,
                       nullptr,
                       {}},
      request, data);
}

int Engine::schema_version() const { return store_->schema_version(); }

std::string_view Engine::crypto_suite() const { return crypto::name(security_->suite); }

Statistics Engine::statistics() const {
  const store::Statistics st = store_->statistics();
  Statistics out;
  out.write_retries = st.write_retries;
  out.store_connections = st.connections;
  return out;
}

OpenSessions Engine::open_sessions() const {
  const auto now = clock_ ? clock_() : std::chrono::system_clock::now();
  const std::string seen = engine::iso_time(now - security_->session_idle);
  const std::string created = engine::iso_time(now - security_->session_absolute);
  OpenSessions out;
  store_->read([&](store::Transaction& txn) {
    out.unit = txn.count_open_sessions(seen, created);
    out.staff = txn.count_open_staff_sessions(seen, created);
  });
  return out;
}

void Engine::check_store() const { store_->check(); }

namespace engine {

const crypto::Sealer& Security::sealer(bool may_create) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!sealer_) {
    sealer_.emplace(key_file.empty() ? crypto::Sealer::ephemeral(suite)
                                     : crypto::Sealer::load(key_file, may_create, suite));
  }
  return *sealer_;
}

image::PixelBudget& decode_budget(const Security* security) {
  if (security != nullptr && security->decode_budget) return *security->decode_budget;
  static image::PixelBudget shared(Options{}.decode_pixel_budget, kDecodeWait);
  return shared;
}

void bad_arg(std::string_view arg, std::string detail, std::string message) {
  std::string field(arg);
  throw Error(Errc::invalid_argument, "args." + field + " " + std::move(detail), message,
              {Problem{field, message, {}, {}}});
}

const json::value* Args::find(std::string_view key) {
  read_.push_back(key);
  const json::value* v = args_.if_contains(key);
  return (v && v->is_null()) ? nullptr : v;
}

std::optional<std::string_view> Args::optional_string(std::string_view key) {
  const json::value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) bad_request("args." + std::string(key) + " must be a string");
  return std::string_view(v->get_string());
}

std::string_view Args::string(std::string_view key) {
  auto v = optional_string(key);
  if (!v) bad_request("args." + std::string(key) + " is required", "缺少必填项");
  return *v;
}

std::optional<std::uint64_t> Args::optional_uint(std::string_view key) {
  const json::value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  // Ids and counts are kept as signed 64-bit numbers: 2^63 and above would
  // name a negative id.
  if (v->is_uint64()) {
    throw Error(Errc::invalid_argument,
                "args." + std::string(key) + " exceeds 9223372036854775807 (2^63 - 1)",
                "数值超出允许范围");
  }
  bad_request("args." + std::string(key) + " must be a non-negative integer");
}

std::uint64_t Args::uint(std::string_view key) {
  auto v = optional_uint(key);
  if (!v) bad_request("args." + std::string(key) + " is required", "缺少必填项");
  return *v;
}

char Args::character(std::string_view key) {
  std::string_view s = string(key);
  if (s.size() != 1) bad_request("args." + std::string(key) + " must be one character");
  return s[0];
}

std::optional<bool> Args::optional_bool(std::string_view key) {
  const json::value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) bad_request("args." + std::string(key) + " must be true or false");
  return v->get_bool();
}

const json::object* Args::optional_object(std::string_view key) {
  const json::value* v = find(key);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) bad_request("args." + std::string(key) + " must be a JSON object");
  return &v->get_object();
}

const json::array* Args::optional_array(std::string_view key) {
  const json::value* v = find(key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) bad_request("args." + std::string(key) + " must be an array");
  return &v->get_array();
}

void Args::finish() const {
  for (const auto& kv : args_) {
    if (std::find(read_.begin(), read_.end(), kv.key()) == read_.end()) {
      bad_request("unknown argument '" + std::string(kv.key()) + "'");
    }
  }
}

const std::vector<Command>& commands() {
  static const std::vector<Command> list = [] {
    std::vector<Command> all = system_commands();
    for (auto& c : uscc_commands()) all.push_back(c);
    for (auto& c : setup_commands()) all.push_back(c);
    for (auto& c : application_commands()) all.push_back(c);
    for (auto& c : attachment_commands()) all.push_back(c);
    for (auto& c : query_commands()) all.push_back(c);
    for (auto& c : credential_commands()) all.push_back(c);
    for (auto& c : session_commands()) all.push_back(c);
    for (auto& c : print_commands()) all.push_back(c);
    for (auto& c : guide_commands()) all.push_back(c);
    std::sort(all.begin(), all.end(),
              [](const Command& a, const Command& b) { return a.name < b.name; });
    return all;
  }();
  return list;
}

}  // namespace engine
}  // namespace fuma
