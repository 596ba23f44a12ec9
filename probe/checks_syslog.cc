// Cleartext syslog: a receiver on TCP or UDP 514 takes log records without encryption or
// authentication (RFC 5424 over RFC 6587/5426); RFC 5425 (TLS, port 6514) is the secure transport.
#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;

namespace {

awaitable<void> syslog_cleartext(CheckContext& ctx) {
  const std::string frame = syslog_frame("kensa-probe: cleartext syslog test record");
  if (ctx.port.udp) {
    // UDP syslog never answers. Silence (no ICMP port unreachable) is all there is: an open
    // receiver, or a firewall that drops the datagram. Said so in the finding.
    if (!co_await udp_port_open(ctx.scanner, ctx.port, frame, ctx.deadline)) {
      ctx.note("UDP 514 answered ICMP port unreachable this time: no receiver");
      co_return;
    }
    ctx.add("cleartext-service", "Syslog receiver on UDP 514 (cleartext, unauthenticated)",
            "two syslog datagrams drew no ICMP port unreachable: a UDP receiver takes them "
            "(open|filtered: UDP syslog never answers, so a firewall dropping them would look the "
            "same); anyone on the path reads the records and anyone can forge them",
            {{"transport", "udp"}, {"confidence", "open|filtered"}});
    co_return;
  }
  auto conn = co_await ctx.open();
  if (!conn) co_return;
  IoStatus s = co_await conn->write(frame, ctx.deadline);
  if (s != IoStatus::ok) {
    ctx.incomplete(s, "sending a syslog record");
    co_return;
  }
  std::string answer;
  s = co_await conn->read_some(answer, 256, std::min(ctx.deadline, Clock::now() + 400ms));
  if (s != IoStatus::timeout) {
    ctx.incomplete(evidence::CheckStatus::error,
                   "TCP 514 did not behave like a syslog receiver after a record (" +
                       std::string(to_string(s)) +
                       pick(answer.empty(), "", ": " + wire::printable(answer, 60)) + ")");
    co_return;
  }
  ctx.add("cleartext-service", "Syslog receiver on TCP 514 (cleartext, unauthenticated)",
          "an RFC 5424 record sent in clear text was taken and the connection kept open (no TLS "
          "as RFC 5425 would use on 6514): the records can be read and forged on the path",
          {{"transport", "tcp"}, {"confidence", "accepted a record"}});
}

}  // namespace

std::vector<Check> syslog_checks() {
  return {
      {{"probe.syslog.cleartext",
        "Cleartext syslog receiver",
        "syslog",
        Safety::safe,
        3s,
        {"cleartext-service"},
        {"en303645:5.5-1"},
        "TCP 514: sends one RFC 5424 record and reports a receiver that takes it without TLS. "
        "UDP 514: a receiver never answers, so only the absence of an ICMP port unreachable is "
        "seen; the finding says open|filtered, since a firewall dropping the datagram looks the "
        "same."},
       &syslog_cleartext},
  };
}

}  // namespace kensa::probe
