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
  g.contact_ = top.text("contact");
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

}  // namespace fuma::guide
