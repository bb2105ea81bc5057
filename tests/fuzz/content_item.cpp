// SPDX-License-Identifier: Apache-2.0
// host::parse_content_item: an item of 首页's columns from its file in the
// content folder (title, date, body).
#include "fuzz.hpp"
#include "site.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string why;
  const std::optional<fuma::host::ContentItem> item =
      fuma::host::parse_content_item("item", std::string(fuma::fuzz::bytes(data, size)), why);
  if (item ? !why.empty() : why.empty()) fuma::fuzz::finding("an item refused without a reason");
  if (item && (item->title.empty() || item->title.size() > 300 || item->date.size() != 10)) {
    fuma::fuzz::finding("an item accepted with a bad title or date");
  }
  return 0;
}
