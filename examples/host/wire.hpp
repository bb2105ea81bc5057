// SPDX-License-Identifier: Apache-2.0
// The pieces of HTTP syntax the host reads and writes itself: percent
// encoding, query strings, cookies, multipart/form-data bodies (RFC 7578)
// and Content-Disposition file names (RFC 6266). No Beast here: plain
// strings in, plain strings out, each function strict about what it accepts.
#ifndef FUMA_HOST_WIRE_HPP
#define FUMA_HOST_WIRE_HPP

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::host::wire {

// RFC 3986 percent-decoding. Strict: a '%' not followed by two hex digits is
// an error (nullopt). plus_is_space turns '+' into ' ', as query strings do.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space = false);

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::string_view s);

// The value of one parameter of a query string ("a=1&args=%7B%7D"), decoded;
// nullopt when absent. Throws nothing: a malformed escape counts as present
// but undecodable, reported through `malformed`.
std::optional<std::string> query_param(std::string_view query, std::string_view name,
                                       bool& malformed);

// The value of one cookie of a Cookie header ("a=1; fuma_unit=xyz"); empty
// when absent.
std::string_view cookie(std::string_view header, std::string_view name);

// Whether an If-None-Match value matches the current entity-tag `etag`
// (quoted): "*", or a comma-separated list of entity-tags compared weakly
// (RFC 9110 section 13.1.2: W/"x" matches "x"). A malformed list matches
// nothing, so the full answer goes out.
bool none_match(std::string_view if_none_match, std::string_view etag);

// The media type of a Content-Type value, lower-cased, without parameters
// ("Multipart/Form-Data; boundary=x" -> "multipart/form-data").
std::string media_type(std::string_view content_type);

// One parameter of a Content-Type or Content-Disposition value, unquoted.
std::optional<std::string> header_param(std::string_view value, std::string_view name);

struct Part {
  std::string name;                      // the form field's name
  std::optional<std::string> file_name;  // set for file parts
  std::string content_type;              // as sent, may be empty
  std::string_view body;                 // points into the parsed body
};

// Splits a multipart/form-data body by its boundary. Returns nullopt, with
// a one-line English reason in `error`, for anything malformed: no closing
// delimiter, a part without Content-Disposition: form-data and a name, more
// than max_parts parts, header lines over 1 KiB.
std::optional<std::vector<Part>> parse_multipart(std::string_view body, std::string_view boundary,
                                                 std::string& error, std::size_t max_parts = 8);

// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` for a
// UTF-8 file name: the ASCII fallback replaces what ASCII cannot say with
// '_'; quotes, backslashes and control characters never pass through.
std::string content_disposition(std::string_view disposition, std::string_view file_name);

// A Set-Cookie value: name=value; Path=/; HttpOnly?; SameSite=Strict;
// Secure?; Max-Age=0 when clearing.
std::string set_cookie(std::string_view name, std::string_view value, bool http_only, bool secure,
                       bool clear = false);

}  // namespace fuma::host::wire

#endif  // FUMA_HOST_WIRE_HPP
