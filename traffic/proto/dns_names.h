#pragma once
// DNS message names (RFC 1035 4.1.4 compression), shared by DNS and mDNS.
#include <string>
#include <vector>

#include "traffic/decode.h"

namespace kensa::traffic {

// Reads the name at `pos` (following compression pointers, bounded), advances `pos` past it in
// the message. Returns false when malformed.
bool read_dns_name(Bytes message, std::size_t& pos, std::string& name);

struct DnsRecord {
  std::string name;
  std::uint16_t type = 0;
  std::string target;        // PTR/SRV/CNAME target name when present
  bool has_address = false;  // A or AAAA record
  Address address;
};

// Questions and answer records of a DNS message (at most `limit` of each).
bool parse_dns(Bytes message, bool& response, std::vector<DnsRecord>& questions,
               std::vector<DnsRecord>& answers, std::size_t limit = 16);

}  // namespace kensa::traffic
