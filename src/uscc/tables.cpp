// SPDX-License-Identifier: Apache-2.0
#include "tables.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "fuma/error.hpp"
#include "fuma_embedded.hpp"

namespace fuma::uscc::tables {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// One non-comment line of a TSV file, split into its columns.
struct Row {
  int line = 0;
  std::vector<std::string_view> cols;
};

[[noreturn]] void fail(std::string_view source, int line, std::string_view what) {
  throw Error(Errc::invalid_argument,
              std::string(source) + " line " + std::to_string(line) + ": " + std::string(what),
              "数据文件格式错误：" + std::string(source) + " 第" + std::to_string(line) + "行");
}

// Splits the file into rows, checks the header names and every row's width.
std::vector<Row> read_tsv(std::string_view tsv, std::string_view source,
                          const std::vector<std::string_view>& header) {
  std::vector<Row> rows;
  bool seen_header = false;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < tsv.size()) {
    std::size_t end = tsv.find('\n', pos);
    if (end == std::string_view::npos) end = tsv.size();
    std::string_view line = tsv.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    Row row{line_no, {}};
    std::size_t start = 0;
    while (true) {
      std::size_t tab = line.find('\t', start);
      row.cols.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    if (row.cols.size() != header.size()) {
      fail(source, line_no,
           "expected " + std::to_string(header.size()) + " tab-separated columns, found " +
               std::to_string(row.cols.size()));
    }
    if (!seen_header) {
      for (std::size_t i = 0; i < header.size(); ++i) {
        if (row.cols[i] != header[i]) {
          fail(source, line_no,
               "header column " + std::to_string(i + 1) + " must be '" + std::string(header[i]) +
                   "'");
        }
      }
      seen_header = true;
      continue;
    }
    rows.push_back(std::move(row));
  }
  if (!seen_header) fail(source, line_no, "no header line");
  return rows;
}

std::optional<int> parse_year(const Row& row, std::size_t col, std::string_view source) {
  std::string_view text = row.cols[col];
  if (text.empty()) return std::nullopt;
  int year = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), year);
  if (ec != std::errc() || end != text.data() + text.size() || year < 1949 || year > 2999) {
    fail(source, row.line,
         "column " + std::to_string(col + 1) + " is not a year: '" + std::string(text) + "'");
  }
  return year;
}

bool is_division_code(std::string_view code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_code_char(std::string_view text) {
  return text.size() == 1 && kAlphabet.find(text[0]) != std::string_view::npos;
}

}  // namespace

std::vector<Division> parse_divisions(std::string_view tsv, std::string_view source) {
  std::vector<Division> out;
  for (const Row& row :
       read_tsv(tsv, source, {"code", "province", "name", "names", "from_year", "to_year"})) {
    if (!is_division_code(row.cols[0])) {
      fail(source, row.line, "code '" + std::string(row.cols[0]) + "' is not 6 digits");
    }
    if (row.cols[2].empty()) fail(source, row.line, "name is empty");
    Division d;
    d.code = std::string(row.cols[0]);
    d.province = std::string(row.cols[1]);
    d.name = std::string(row.cols[2]);
    d.history = std::string(row.cols[3]);
    d.from_year = parse_year(row, 4, source);
    d.to_year = parse_year(row, 5, source);
    if (d.from_year && d.to_year && *d.from_year > *d.to_year) {
      fail(source, row.line, "from_year is after to_year");
    }
    out.push_back(std::move(d));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Division& a, const Division& b) { return a.code < b.code; });
  auto dup = std::adjacent_find(out.begin(), out.end(), [](const Division& a, const Division& b) {
    return a.code == b.code;
  });
  if (dup != out.end()) {
    throw Error(Errc::invalid_argument,
                std::string(source) + ": division code " + dup->code + " appears twice",
                "数据文件格式错误：行政区划代码" + dup->code + "重复");
  }
  return out;
}

std::vector<Authority> parse_authorities(std::string_view tsv, std::string_view source) {
  std::vector<Authority> out;
  for (const Row& row :
       read_tsv(tsv, source, {"authority", "authority_name", "category", "category_name"})) {
    if (!is_code_char(row.cols[0]) || !is_code_char(row.cols[2])) {
      fail(source, row.line, "authority and category must each be one code character");
    }
    if (row.cols[1].empty() || row.cols[3].empty()) fail(source, row.line, "a name is empty");
    const char a = row.cols[0][0];
    const char c = row.cols[2][0];
    if (out.empty() || out.back().code != a) {
      if (std::any_of(out.begin(), out.end(), [a](const Authority& x) { return x.code == a; })) {
        fail(source, row.line, std::string("rows of authority '") + a + "' are not contiguous");
      }
      out.push_back(Authority{a, std::string(row.cols[1]), {}});
    } else if (out.back().name != row.cols[1]) {
      fail(source, row.line, std::string("authority '") + a + "' has two names");
    }
    auto& cats = out.back().categories;
    if (std::any_of(cats.begin(), cats.end(), [c](const Category& x) { return x.code == c; })) {
      fail(source, row.line, std::string("category '") + c + "' appears twice");
    }
    cats.push_back(Category{c, std::string(row.cols[3])});
  }
  return out;
}

namespace {

// The shipped divisions with their codes as integers beside them, so a
// lookup compares numbers rather than strings.
struct DivisionTable {
  std::vector<Division> rows;
  std::vector<std::uint32_t> keys;
};

std::uint32_t key_of(std::string_view code6) {
  std::uint32_t k = 0;
  for (char c : code6) k = k * 10 + static_cast<std::uint32_t>(c - '0');
  return k;
}

const DivisionTable& division_table() {
  // Function-local statics initialise once, thread-safely.
  static const DivisionTable table = [] {
    DivisionTable t;
    t.rows = parse_divisions(embedded::gbt2260_divisions(), "gbt2260_divisions.tsv");
    std::vector<Division> extra =
        parse_divisions(embedded::divisions_extra(), "divisions_extra.tsv");
    t.rows.insert(t.rows.end(), extra.begin(), extra.end());
    std::sort(t.rows.begin(), t.rows.end(),
              [](const Division& x, const Division& y) { return x.code < y.code; });
    for (const Division& d : t.rows) {
      if (!t.keys.empty() && t.keys.back() == key_of(d.code)) {
        throw Error(Errc::internal, "division " + d.code + " is in both division files");
      }
      t.keys.push_back(key_of(d.code));
    }
    return t;
  }();
  return table;
}

}  // namespace

const std::vector<Division>& divisions() { return division_table().rows; }

const Division* lookup_division(std::string_view code6) {
  if (!is_division_code(code6)) return nullptr;
  const DivisionTable& t = division_table();
  const std::uint32_t key = key_of(code6);
  auto it = std::lower_bound(t.keys.begin(), t.keys.end(), key);
  if (it == t.keys.end() || *it != key) return nullptr;
  return &t.rows[static_cast<std::size_t>(it - t.keys.begin())];
}

const Authority* lookup_authority(char code) {
  for (const Authority& a : authorities()) {
    if (a.code == code) return &a;
  }
  return nullptr;
}

const Category* lookup_category(const Authority& authority, char code) {
  for (const Category& c : authority.categories) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

}  // namespace fuma::uscc::tables

namespace fuma::uscc {

const std::vector<Authority>& authorities() {
  static const std::vector<Authority> table =
      tables::parse_authorities(embedded::authorities(), "authorities.tsv");
  return table;
}

std::optional<Division> find_division(std::string_view code) {
  const Division* d = tables::lookup_division(code);
  if (d == nullptr) return std::nullopt;
  return *d;
}

std::size_t division_count() { return tables::divisions().size(); }

}  // namespace fuma::uscc
