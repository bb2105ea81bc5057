// SPDX-License-Identifier: Apache-2.0
// Who a request comes from when the host runs behind reverse proxies: the
// socket's peer, unless the operator named that peer as a trusted proxy
// (--trusted-proxy CIDR); then X-Forwarded-For, read right to left.
#ifndef FUMA_HOST_PROXY_HPP
#define FUMA_HOST_PROXY_HPP

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fuma::host {

class TrustedProxies {
 public:
  // Adds "10.0.0.0/8", "fd00::/8" or a single address ("192.0.2.7", a /32
  // or /128). Returns what is wrong with the text, or "" once added.
  std::string add(std::string_view cidr);

  bool empty() const { return networks_.empty(); }
  bool contains(const boost::asio::ip::address& address) const;

  // The client's address for a request whose socket peer is `peer` (an IP
  // literal) and whose X-Forwarded-For fields, in order, are `forwarded`.
  // Without a trusted peer the header is ignored: anyone can send it. From
  // a trusted peer, the list is read from its right end, each entry added
  // by the hop before it, up to the first address that is not a trusted
  // proxy. An entry that is not an address ends the walk at the last
  // address known good. Addresses come back in their canonical text.
  std::string client(std::string_view peer, const std::vector<std::string_view>& forwarded) const;

 private:
  std::vector<std::variant<boost::asio::ip::network_v4, boost::asio::ip::network_v6>> networks_;
};

}  // namespace fuma::host

#endif  // FUMA_HOST_PROXY_HPP
