// SPDX-License-Identifier: Apache-2.0
#include "wire.hpp"

#include <cstdint>

namespace fuma::host::wire {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "a; b=c; d=\"e;f\"" at semicolons outside quotes.
std::vector<std::string_view> split_params(std::string_view value) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ';' && !quoted) {
      out.push_back(trim(value.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(value.substr(start)));
  return out;
}

std::string unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+' && plus_is_space) {
      out += ' ';
      continue;
    }
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (in.size() - i < 3) return std::nullopt;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3fu);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) return false;
    i += len;
  }
  return true;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name,
                                       bool& malformed) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    if (key != name) continue;
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!value) {
      malformed = true;
      return std::string();
    }
    return value;
  }
  return std::nullopt;
}

std::string_view cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    const std::string_view pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) {
      return trim(pair.substr(eq + 1));
    }
  }
  return {};
}

bool none_match(std::string_view if_none_match, std::string_view etag) {
  std::string_view rest = trim(if_none_match);
  if (rest == "*") return true;
  bool hit = false;
  while (!rest.empty()) {
    if (rest.substr(0, 2) == "W/") rest.remove_prefix(2);
    // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
    if (rest.empty() || rest.front() != '"') return false;
    const auto close = rest.find('"', 1);
    if (close == std::string_view::npos) return false;
    hit = hit || rest.substr(0, close + 1) == etag;
    rest = trim(rest.substr(close + 1));
    if (rest.empty()) break;
    if (rest.front() != ',') return false;
    rest = trim(rest.substr(1));
  }
  return hit;
}

std::string media_type(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  std::string out;
  for (char c : type) out += lower(c);
  return out;
}

std::optional<std::string> header_param(std::string_view value, std::string_view name) {
  const auto params = split_params(value);
  for (std::size_t i = 1; i < params.size(); ++i) {
    const auto eq = params[i].find('=');
    if (eq == std::string_view::npos) continue;
    if (iequals(trim(params[i].substr(0, eq)), name)) {
      return unquote(trim(params[i].substr(eq + 1)));
    }
  }
  return std::nullopt;
}

std::optional<std::vector<Part>> parse_multipart(std::string_view body, std::string_view boundary,
                                                 std::string& error, std::size_t max_parts) {
  if (boundary.empty() || boundary.size() > 70) {
    error = "the multipart boundary must be 1 to 70 characters";
    return std::nullopt;
  }
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = "\r\n" + delimiter;
  // The body starts with the first delimiter (a preamble is allowed but
  // never used by browsers; skip to the first delimiter at a line start).
  std::size_t pos = 0;
  if (body.substr(0, delimiter.size()) != delimiter) {
    pos = body.find(next_delimiter);
    if (pos == std::string_view::npos) {
      error = "no multipart delimiter in the body";
      return std::nullopt;
    }
    pos += 2;
  }
  std::vector<Part> parts;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // the close delimiter
    if (body.substr(pos, 2) != "\r\n") {
      error = "a multipart delimiter is not followed by CRLF";
      return std::nullopt;
    }
    pos += 2;
    if (parts.size() == max_parts) {
      error = "more than " + std::to_string(max_parts) + " multipart parts";
      return std::nullopt;
    }
    Part part;
    bool form_data = false;
    for (;;) {
      const auto eol = body.find("\r\n", pos);
      if (eol == std::string_view::npos || eol - pos > 1024) {
        error = "a multipart part header is unterminated or over 1024 bytes";
        return std::nullopt;
      }
      const std::string_view line = body.substr(pos, eol - pos);
      pos = eol + 2;
      if (line.empty()) break;
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) {
        error = "a multipart part header line has no colon";
        return std::nullopt;
      }
      const std::string_view field = trim(line.substr(0, colon));
      const std::string_view value = trim(line.substr(colon + 1));
      if (iequals(field, "Content-Disposition")) {
        form_data = iequals(trim(value.substr(0, value.find(';'))), "form-data");
        part.name = header_param(value, "name").value_or("");
        part.file_name = header_param(value, "filename");
      } else if (iequals(field, "Content-Type")) {
        part.content_type = std::string(value);
      }
    }
    if (!form_data || part.name.empty()) {
      error = "a multipart part lacks 'Content-Disposition: form-data; name=...'";
      return std::nullopt;
    }
    const auto end = body.find(next_delimiter, pos);
    if (end == std::string_view::npos) {
      error = "the multipart body has no closing delimiter";
      return std::nullopt;
    }
    part.body = body.substr(pos, end - pos);
    parts.push_back(std::move(part));
    pos = end + 2;
  }
}

std::string content_disposition(std::string_view disposition, std::string_view file_name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string ascii;
  std::string encoded;
  for (char ch : file_name) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_';
    if (plain) {
      encoded += ch;
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0xf];
    }
    // The fallback: printable ASCII but the quote and the backslash; a
    // multi-byte character becomes one '_' (at its lead byte).
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      ascii += ch;
    } else if (c < 0x80 || c >= 0xc0) {
      ascii += '_';
    }
  }
  return std::string(disposition) + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

std::string set_cookie(std::string_view name, std::string_view value, bool http_only, bool secure,
                       bool clear) {
  std::string out = std::string(name) + "=" + std::string(value) + "; Path=/; SameSite=Strict";
  if (http_only) out += "; HttpOnly";
  if (secure) out += "; Secure";
  if (clear) out += "; Max-Age=0";
  return out;
}

}  // namespace fuma::host::wire
