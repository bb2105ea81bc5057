// SPDX-License-Identifier: Apache-2.0
// What the host serves besides the engine: the pages (a directory of static
// files read once at start) and the 首页 columns (a content folder the
// authority maintains, read again every two seconds so that a new notice
// shows at once). No Beast and no JSON here.
#ifndef FUMA_HOST_SITE_HPP
#define FUMA_HOST_SITE_HPP

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::host {

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;  // a quoted strong validator: the start of the body's SHA-256
};

// Every regular file under a directory, in memory. Serving looks a request
// path up in this map and nothing else, so no path, however encoded, can
// reach a file outside it.
class Pages {
 public:
  // Throws std::runtime_error naming the file for an unreadable directory,
  // a file name outside [A-Za-z0-9._-], a file type the host does not know,
  // more than 512 files or more than 32 MiB in all.
  static Pages load(const std::string& dir);

  // "/" is index.html; "/c/<serial>" is c.html (the certificate status page
  // a certificate's QR code leads to). Null when there is no such page.
  const StaticFile* find(std::string_view path) const;
  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

// 首页's columns, in their order on the page.
struct ContentItem {
  std::string id;  // the file name without .txt
  std::string title;
  std::string date;  // YYYY-MM-DD
  std::string body;
};
struct ContentColumn {
  std::string key;                 // notices, policies, technical, annual
  std::string label;               // 通知公告, 政策法规, 技术服务, 年度报告
  std::vector<ContentItem> items;  // newest first, then by id
};

// Reads DIR/<column>/<id>.txt: a UTF-8 file whose first line is the title,
// whose second line is the date (YYYY-MM-DD), then a blank line and the body.
// Files that do not follow this are skipped and named in `skipped` (with
// why), so that one bad file hides one item and never the page. A missing
// folder is an empty column. At most 200 items a column, 64 KiB an item.
// One item from its file's text: the title on the first line (1 to 300
// bytes), the date (YYYY-MM-DD) on the second, the body after; carriage
// returns dropped. Nothing, with `why` set, for text that is not UTF-8 or
// not laid out so.
std::optional<ContentItem> parse_content_item(std::string id, std::string text, std::string& why);

std::vector<ContentColumn> load_content(const std::string& dir, std::vector<std::string>& skipped);

// The content folder as the pages see it: read again at most once every
// two seconds, however many requests ask, so that a busy home page cannot
// make the host read the folder on every request. Thread-safe.
class Content {
 public:
  explicit Content(std::string dir) : dir_(std::move(dir)) {}
  std::shared_ptr<const std::vector<ContentColumn>> columns();

 private:
  const std::string dir_;
  std::mutex mutex_;
  std::shared_ptr<const std::vector<ContentColumn>> columns_;
  std::chrono::steady_clock::time_point loaded_{};
};

// A content item id as it may appear in a URL: [A-Za-z0-9_-], 1 to 64 bytes.
bool valid_content_id(std::string_view id);

}  // namespace fuma::host

#endif  // FUMA_HOST_SITE_HPP
