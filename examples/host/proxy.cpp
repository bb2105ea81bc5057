// SPDX-License-Identifier: Apache-2.0
#include "proxy.hpp"

#include <boost/system/error_code.hpp>
#include <charconv>
#include <optional>

namespace fuma::host {
namespace {

namespace ip = boost::asio::ip;
using boost::system::error_code;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An X-Forwarded-For entry: "192.0.2.1", "2001:db8::1", and, as some
// proxies write them, "192.0.2.1:4711", "[2001:db8::1]" or "[2001:db8::1]:4711".
std::optional<ip::address> entry_address(std::string_view text) {
  text = trim(text);
  std::string literal;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    literal = std::string(text.substr(1, close - 1));
  } else if (text.find(':') != text.rfind(':')) {
    literal = std::string(text);  // IPv6 without brackets carries no port
  } else {
    literal = std::string(text.substr(0, text.find(':')));
  }
  error_code ec;
  const ip::address a = ip::make_address(literal, ec);
  if (ec) return std::nullopt;
  return a;
}

// A v4-mapped IPv6 address is the IPv4 address it maps.
ip::address plain(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  return a;
}

}  // namespace

std::string TrustedProxies::add(std::string_view cidr) {
  const std::string text(trim(cidr));
  const std::size_t slash = text.find('/');
  error_code ec;
  const ip::address base = ip::make_address(text.substr(0, slash), ec);
  if (ec) return "'" + text + "' is not an IP address or ADDRESS/PREFIX";
  const unsigned max = base.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string::npos) {
    const std::string_view digits = std::string_view(text).substr(slash + 1);
    const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || err != std::errc() || end != digits.data() + digits.size() ||
        prefix > max) {
      return "'" + text + "': the prefix must be a number from 0 to " + std::to_string(max);
    }
  }
  if (base.is_v4()) {
    networks_.emplace_back(ip::network_v4(base.to_v4(), prefix).canonical());
  } else {
    networks_.emplace_back(ip::network_v6(base.to_v6(), prefix).canonical());
  }
  return "";
}

bool TrustedProxies::contains(const ip::address& address) const {
  const ip::address a = plain(address);
  for (const auto& n : networks_) {
    if (const auto* v4 = std::get_if<ip::network_v4>(&n)) {
      if (a.is_v4() && ip::network_v4(a.to_v4(), v4->prefix_length()).canonical() == *v4) {
        return true;
      }
    } else {
      const auto& v6 = std::get<ip::network_v6>(n);
      if (a.is_v6() && ip::network_v6(a.to_v6(), v6.prefix_length()).canonical() == v6) {
        return true;
      }
    }
  }
  return false;
}

std::string TrustedProxies::client(std::string_view peer,
                                   const std::vector<std::string_view>& forwarded) const {
  error_code ec;
  ip::address hop = ip::make_address(std::string(peer), ec);
  if (ec || networks_.empty() || !contains(hop)) return std::string(peer);
  // Every entry of every field, left to right.
  std::vector<std::string_view> entries;
  for (std::string_view field : forwarded) {
    while (!field.empty()) {
      const std::size_t comma = field.find(',');
      entries.push_back(field.substr(0, comma));
      field = comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);
    }
  }
  for (auto it = entries.rbegin(); it != entries.rend() && contains(hop); ++it) {
    const std::optional<ip::address> before = entry_address(*it);
    if (!before) break;
    hop = *before;
  }
  return plain(hop).to_string();
}

}  // namespace fuma::host
