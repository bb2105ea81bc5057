// SPDX-License-Identifier: Apache-2.0
#include "guide/guide.hpp"

#include <algorithm>

#include "datafile/datafile.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"
#include "fuma_embedded.hpp"

namespace fuma::guide {

Guide Guide::parse(std::string_view text, std::string_view source,
                   const std::vector<std::string>& businesses) {
  const datafile::Reporter report(source, "服务指南文件有误：");
  const datafile::json::value doc = datafile::parse(text, report);
  const datafile::Object top(doc, "", {"version", "contact", "businesses"}, report);
  top.require_version(1);
  Guide g;
  // Telephone, address and hours are the locality file's now: a guide's
  // contact is what else a unit should know, and may be left out.
  g.contact_ = top.optional_text("contact").value_or("");
  const datafile::json::array& list = top.array("businesses");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const datafile::Object o(list[i], datafile::element(top.at("businesses"), i),
                             {"key", "scope", "notes"}, report);
    Entry e;
    e.business = o.key("key");
    if (!businesses.empty() &&
        std::find(businesses.begin(), businesses.end(), e.business) == businesses.end()) {
      report.fail(o.at("key"), "'" + e.business + "' is not a business of the workflow");
    }
    if (g.entry(e.business) != nullptr) report.fail(o.at("key"), "repeats '" + e.business + "'");
    e.scope = o.text("scope");
    e.notes = o.optional_text("notes").value_or("");
    g.entries_.push_back(std::move(e));
  }
  for (const std::string& b : businesses) {
    if (g.entry(b) == nullptr) report.fail(top.at("businesses"), "has no entry for '" + b + "'");
  }
  return g;
}

const Guide& Guide::standard() {
  static const Guide g = [] {
    std::vector<std::string> keys;
    for (const auto& b : workflow::Definition::standard().businesses()) keys.push_back(b.key);
    return parse(embedded::service_guide(), "guide.json", keys);
  }();
  return g;
}

const Entry* Guide::entry(std::string_view business) const {
  for (const Entry& e : entries_) {
    if (e.business == business) return &e;
  }
  return nullptr;
}

namespace {

// "0755-12345678", "+86 755 1234 5678", "(0755)12345678", optionally
// followed by a note in full-width brackets: "0755-12345678（受理窗口）".
bool is_telephone(std::string_view s) {
  const std::string_view open = "（";
  const std::string_view close = "）";
  std::string_view number = s;
  if (const std::size_t at = s.find(open); at != std::string_view::npos) {
    const std::string_view note = s.substr(at + open.size());
    if (note.size() <= close.size() || note.substr(note.size() - close.size()) != close) {
      return false;
    }
    number = s.substr(0, at);
  }
  int digits = 0;
  for (const char c : number) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '-' && c != '+' && c != ' ' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits >= 5 && digits <= 20 && number.front() != ' ' && number.back() != ' ';
}

bool is_web_address(std::string_view s) {
  std::string_view rest;
  if (s.rfind("https://", 0) == 0) {
    rest = s.substr(8);
  } else if (s.rfind("http://", 0) == 0) {
    rest = s.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || s.size() > 2000) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`') {
      return false;
    }
  }
  return true;
}

}  // namespace

Locality Locality::parse(std::string_view text, std::string_view source) {
  const datafile::Reporter report(source, "联系方式文件有误：");
  const datafile::json::value doc = datafile::parse(text, report);
  const datafile::Object top(
      doc, "",
      {"version", "description", "office", "window_address", "office_hours", "telephone",
       "postal_address", "postal_code", "postal_recipient", "institution_registry_url", "note"},
      report);
  top.require_version(1);
  top.optional_text("description");
  Locality l;
  l.office = top.optional_text("office");
  l.window_address = top.optional_text("window_address");
  l.office_hours = top.optional_text("office_hours");
  if (top.find("telephone") != nullptr) {
    const datafile::json::array& list = top.array("telephone");
    if (list.empty() || list.size() > 5)
      report.fail(top.at("telephone"), "must list 1 to 5 numbers");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = datafile::element(top.at("telephone"), i);
      std::string number = datafile::as_text(list[i], at, report);
      if (!is_telephone(number)) {
        report.fail(at, "'" + number +
                            "' is not a telephone number (5 to 20 digits with - + ( ) or spaces, "
                            "then an optional （note）)");
      }
      l.telephones.push_back(std::move(number));
    }
  }
  l.postal_address = top.optional_text("postal_address");
  l.postal_code = top.optional_text("postal_code");
  l.postal_recipient = top.optional_text("postal_recipient");
  if (l.postal_code) {
    if (l.postal_code->size() != 6 ||
        l.postal_code->find_first_not_of("0123456789") != std::string::npos) {
      report.fail(top.at("postal_code"), "must be six digits");
    }
  }
  if ((l.postal_code || l.postal_recipient) && !l.postal_address) {
    report.fail(l.postal_code ? top.at("postal_code") : top.at("postal_recipient"),
                "needs postal_address");
  }
  l.institution_registry_url = top.optional_text("institution_registry_url");
  if (l.institution_registry_url && !is_web_address(*l.institution_registry_url)) {
    report.fail(top.at("institution_registry_url"),
                "must be an http:// or https:// address without spaces or quotes");
  }
  l.note = top.optional_text("note");
  return l;
}

const Locality& Locality::standard() {
  static const Locality l = parse(embedded::locality(), "locality.json");
  return l;
}

std::string Locality::contact_text(std::string_view guide_note) const {
  std::string out;
  auto add = [&](std::string_view label, const std::string& value) {
    out += std::string(label) + "：" + value + "。";
  };
  if (office) add("办理机关", *office);
  if (window_address) add("办理地点", *window_address);
  if (office_hours) add("办公时间", *office_hours);
  if (!telephones.empty()) {
    std::string all;
    for (const std::string& t : telephones) all += (all.empty() ? "" : "、") + t;
    add("咨询电话", all);
  }
  if (postal_address) {
    std::string post = *postal_address;
    if (postal_recipient) post += "，收件人：" + *postal_recipient;
    if (postal_code) post += "，邮政编码：" + *postal_code;
    add("邮寄地址", post);
  }
  if (out.empty()) {
    out = "办理地点、办公时间和咨询电话请向本级登记管理机关（或相应的政务服务窗口单位）咨询。";
  }
  if (note) out += *note;
  out += guide_note;
  return out;
}

}  // namespace fuma::guide
