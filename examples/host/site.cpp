// SPDX-License-Identifier: Apache-2.0
#include "site.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "log.hpp"
#include "wire.hpp"

namespace fuma::host {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFiles = 512;
constexpr std::uintmax_t kMaxTotal = 32u << 20;
constexpr std::size_t kMaxItems = 200;
constexpr std::uintmax_t kMaxItemBytes = 64u << 10;

struct Type {
  std::string_view extension;
  std::string_view content_type;
};
constexpr Type kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

bool safe_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string etag_of(std::string_view body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int i = 0; i < 12; ++i) {
    tag += kHex[digest[i] >> 4];
    tag += kHex[digest[i] & 0xf];
  }
  return tag + "\"";
}

bool valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  const int month = (d[5] - '0') * 10 + (d[6] - '0');
  const int day = (d[8] - '0') * 10 + (d[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

struct Column {
  std::string_view key;
  std::string_view label;
};
constexpr Column kColumns[] = {
    {"notices", "通知公告"},
    {"policies", "政策法规"},
    {"technical", "技术服务"},
    {"annual", "年度报告"},
};

}  // namespace

Pages Pages::load(const std::string& dir) {
  Pages pages;
  std::uintmax_t total = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error("cannot read the pages directory " + dir + ": " + ec.message());
  for (const fs::directory_entry& entry : it) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), dir);
    std::string url;
    for (const fs::path& piece : rel) {
      if (!safe_name(piece.string())) {
        throw std::runtime_error("page file name not allowed: " + rel.string() +
                                 " (use letters, digits, '.', '_' and '-')");
      }
      url += "/" + piece.string();
    }
    const std::string ext = rel.extension().string();
    const auto type = std::find_if(std::begin(kTypes), std::end(kTypes),
                                   [&](const Type& t) { return t.extension == ext; });
    if (type == std::end(kTypes)) {
      throw std::runtime_error("page file of an unknown type: " + rel.string());
    }
    StaticFile file;
    file.body = read_file(entry.path());
    total += file.body.size();
    if (pages.files_.size() == kMaxFiles || total > kMaxTotal) {
      throw std::runtime_error("the pages directory " + dir + " holds over " +
                               std::to_string(kMaxFiles) + " files or 32 MiB");
    }
    file.content_type = std::string(type->content_type);
    file.etag = etag_of(file.body);
    pages.files_.emplace(std::move(url), std::move(file));
  }
  if (!pages.find("/"))
    throw std::runtime_error("the pages directory " + dir + " has no index.html");
  return pages;
}

const StaticFile* Pages::find(std::string_view path) const {
  if (path == "/") path = "/index.html";
  if (path.substr(0, 3) == "/c/" && path.size() > 3 &&
      path.find('/', 3) == std::string_view::npos) {
    path = "/c.html";
  }
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

bool valid_content_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::optional<ContentItem> parse_content_item(std::string id, std::string text, std::string& why) {
  if (!wire::is_utf8(text)) {
    why = "not UTF-8";
    return std::nullopt;
  }
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  const auto first = text.find('\n');
  const auto second = first == std::string::npos ? first : text.find('\n', first + 1);
  ContentItem item;
  item.id = std::move(id);
  item.title = text.substr(0, first);
  item.date = first == std::string::npos ? "" : text.substr(first + 1, second - first - 1);
  if (item.title.empty() || item.title.size() > 300 || !valid_date(item.date)) {
    why = "the first line must be the title and the second the date (YYYY-MM-DD)";
    return std::nullopt;
  }
  if (second != std::string::npos) {
    item.body = text.substr(second + 1);
    while (!item.body.empty() && item.body.front() == '\n') item.body.erase(0, 1);
  }
  return item;
}

std::vector<ContentColumn> load_content(const std::string& dir, std::vector<std::string>& skipped) {
  std::vector<ContentColumn> columns;
  for (const Column& c : kColumns) {
    ContentColumn column{std::string(c.key), std::string(c.label), {}};
    std::error_code ec;
    fs::directory_iterator it(fs::path(dir) / c.key, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const fs::path& p = it->path();
      if (p.extension() != ".txt" || !it->is_regular_file()) continue;
      const std::string name = p.filename().string();
      const std::string id = p.stem().string();
      auto skip = [&](std::string why) {
        skipped.push_back(std::string(c.key) + "/" + name + ": " + why);
      };
      if (!valid_content_id(id)) {
        skip("the name must be letters, digits, '_' or '-' then .txt");
        continue;
      }
      if (column.items.size() == kMaxItems) {
        skip("over " + std::to_string(kMaxItems) + " items in the column");
        continue;
      }
      std::error_code size_ec;
      if (it->file_size(size_ec) > kMaxItemBytes || size_ec) {
        skip("over 64 KiB");
        continue;
      }
      std::string text;
      try {
        text = read_file(p);
      } catch (const std::exception& e) {
        skip(e.what());
        continue;
      }
      std::string why;
      std::optional<ContentItem> item = parse_content_item(id, std::move(text), why);
      if (!item) {
        skip(why);
        continue;
      }
      column.items.push_back(std::move(*item));
    }
    std::sort(column.items.begin(), column.items.end(),
              [](const ContentItem& a, const ContentItem& b) {
                return a.date != b.date ? a.date > b.date : a.id < b.id;
              });
    columns.push_back(std::move(column));
  }
  return columns;
}

std::shared_ptr<const std::vector<ContentColumn>> Content::columns() {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!columns_ || now - loaded_ >= std::chrono::seconds(2)) {
    std::vector<std::string> skipped;
    columns_ = std::make_shared<const std::vector<ContentColumn>>(load_content(dir_, skipped));
    loaded_ = now;
    for (const std::string& s : skipped) log::line("content", "skipped=" + log::quote(s));
  }
  return columns_;
}

}  // namespace fuma::host
