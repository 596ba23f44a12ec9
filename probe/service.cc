// Service identification from what a port answers. The probes go from passive to active: listen
// for a greeting (SSH, FTP, telnet, ...), then send a TLS ClientHello, an MQTT CONNECT, an HTTP
// request, an ADB CNXN and an RTSP OPTIONS, each on a fresh connection, and take the first answer
// that parses. The port number is used only when nothing recognisable answered, to choose which
// checks to attempt (they then fail visibly, as errors, instead of being skipped).
#include "probe/checks_common.h"

namespace kensa::probe {

namespace {

constexpr std::size_t kProbeCap = 4096;
// Named, not literals: GCC 12 miscompiles string literals passed to coroutines ("array used as
// initializer").
const std::string kNothing;
const std::string kHttpGet = "GET / HTTP/1.0\r\n\r\n";
const std::string kRtspOptions = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";

std::string conventional(std::uint16_t port) {
  switch (port) {
    case 21:
      return "ftp";
    case 22:
      return "ssh";
    case 23:
    case 2323:
      return "telnet";
    case 80:
    case 81:
    case 5000:
    case 7547:
    case 8000:
    case 8080:
    case 8081:
    case 49152:
      return "http";
    case 443:
    case 8443:
      return "tls";
    case 554:
      return "rtsp";
    case 1883:
      return "mqtt";
    case 8883:
      return "mqtt";
    case 5555:
      return "adb";
    case 514:
      return "syslog";
    default:
      return "unknown";
  }
}

// Classifies a greeting the server sent unprompted.
std::string classify_greeting(std::string_view g) {
  if (g.empty()) return "";
  if (g.substr(0, 4) == "SSH-" || std::string_view("SSH-").substr(0, g.size()) == g) return "ssh";
  if (static_cast<unsigned char>(g[0]) == 0xff) return "telnet";
  if (g.size() >= 4 && g.substr(0, 3) == "220" && (g[3] == ' ' || g[3] == '-')) {
    return contains_ci(g, "smtp") ? "smtp" : "ftp";
  }
  if (contains_ci(g, "login:") || contains_ci(g, "username:") || contains_ci(g, "password:"))
    return "telnet";
  if (g.substr(0, 5) == "HTTP/") return "http";
  if (g.substr(0, 4) == "CNXN" || g.substr(0, 4) == "AUTH") return "adb";
  return "";
}

struct Answer {
  IoStatus status = IoStatus::error;
  std::string bytes;
};

awaitable<Answer> exchange(Scanner& scanner, const PortState& port, std::string_view request,
                           bool tls, std::chrono::milliseconds wait, Clock::time_point deadline,
                           wire::Parse (*complete)(std::string_view) = nullptr) {
  Answer a;
  auto slot = co_await scanner.acquire_socket(port.address);
  Conn conn(scanner, co_await asio::this_coro::executor);
  const auto end = std::min(deadline, Clock::now() + wait + scanner.options().connect_timeout);
  a.status = co_await conn.connect(tcp::endpoint(asio::ip::address_v4(port.address), port.port),
                                   std::min(end, Clock::now() + scanner.options().connect_timeout));
  if (a.status != IoStatus::ok) co_return a;
  if (tls) {
    static auto context = permissive_tls_context();
    a.status = co_await conn.start_tls(*context, end);
    if (a.status != IoStatus::ok) co_return a;
  }
  if (!request.empty()) {
    a.status = co_await conn.write(request, end);
    if (a.status != IoStatus::ok) co_return a;
  }
  const auto read_end = std::min(end, Clock::now() + wait);
  if (complete) {
    a.status = co_await conn.read_until(a.bytes, kProbeCap, read_end, complete);
  } else {
    a.status = co_await conn.read_some(a.bytes, kProbeCap, read_end);
  }
  co_return a;
}

wire::Parse http_complete(std::string_view b) {
  return b.find("\r\n\r\n") != std::string_view::npos || b.find("\n\n") != std::string_view::npos
             ? wire::Parse::ok
             : (b.size() >= 5 && b.substr(0, 5) != "HTTP/" && b.substr(0, 5) != "RTSP/"
                    ? wire::Parse::bad
                    : wire::Parse::need_more);
}

wire::Parse greeting_complete(std::string_view b) {
  return b.find('\n') != std::string_view::npos || b.size() >= 64 ? wire::Parse::ok
                                                                  : wire::Parse::need_more;
}

// Identifies the application protocol inside a TLS session.
awaitable<std::string> identify_inner(Scanner& scanner, const PortState& port,
                                      Clock::time_point deadline) {
  const std::chrono::milliseconds wait(1000);
  Answer a = co_await exchange(scanner, port, wire::mqtt_connect("kensa-id", "", "", false), true,
                               wait, deadline);
  if (a.bytes.size() >= 2 && static_cast<unsigned char>(a.bytes[0]) == 0x20) co_return "mqtt";
  a = co_await exchange(scanner, port, kHttpGet, true, wait, deadline, http_complete);
  if (a.bytes.substr(0, 5) == "HTTP/") co_return "http";
  co_return "";
}

}  // namespace

std::string syslog_frame(std::string_view message) {
  // RFC 5424, facility user, severity notice, newline-framed (what TCP receivers accept by
  // default).
  return "<13>1 - kensa-probe kensa - - - " + std::string(message) + "\n";
}

awaitable<bool> udp_port_open(Scanner& scanner, const PortState& port, std::string_view datagram,
                              Clock::time_point deadline) {
  const udp::endpoint peer(asio::ip::address_v4(port.address), port.port);
  udp::socket socket(co_await asio::this_coro::executor);
  std::error_code ec;
  socket.open(udp::v4(), ec);
  if (!ec) socket.connect(peer, ec);  // so that an ICMP port unreachable is reported on receive
  if (ec) co_return false;
  for (unsigned attempt = 0; attempt <= scanner.options().retries; ++attempt) {
    co_await scanner.admit(port.address);
    ++scanner.stats.udp_probes;
    co_await socket.async_send(asio::buffer(datagram.data(), datagram.size()), use_tuple);
    char byte = 0;
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             std::min(deadline, Clock::now() + scanner.options().udp_timeout));
    using namespace asio::experimental::awaitable_operators;
    auto r = co_await (socket.async_receive(asio::buffer(&byte, 1), use_tuple) ||
                       timer.async_wait(use_tuple));
    if (r.index() == 0) {
      auto [rec, n] = std::get<0>(r);
      if (rec == asio::error::connection_refused) co_return false;  // ICMP port unreachable
      if (!rec) co_return true;                                     // it even answered
    }
    if (Clock::now() >= deadline) break;
  }
  co_return true;  // silence: open, or filtered
}

awaitable<void> identify_tcp(Scanner& scanner, PortState& port, Clock::time_point deadline) {
  Service& svc = port.service;
  const std::chrono::milliseconds wait(1200);
  // 1. Greeting (server speaks first).
  Answer a = co_await exchange(scanner, port, kNothing, false, wait, deadline, greeting_complete);
  port.raw_banner = a.bytes.substr(0, 1024);
  svc.banner = wire::printable(a.bytes, 200);
  if (std::string name = classify_greeting(a.bytes); !name.empty()) {
    svc = {name, false, true, svc.banner, "greeting: " + svc.banner};
    co_return;
  }
  const bool silent = a.bytes.empty();
  // 2. TLS.
  a = co_await exchange(scanner, port, wire::tls_client_hello(), false, wait, deadline);
  wire::TlsRecord record;
  if (wire::parse_tls_record(a.bytes, record) == wire::Parse::ok) {
    svc.name = "tls";
    svc.tls = true;
    svc.identified = true;
    svc.evidence = "answered a TLS ClientHello with a TLS record";
    if (record.content_type == 22) {
      if (std::string inner = co_await identify_inner(scanner, port, deadline); !inner.empty()) {
        svc.name = inner;
        svc.evidence += "; inside TLS: " + inner;
      }
    }
    co_return;
  }
  if (a.bytes.substr(0, 5) == "HTTP/") {
    svc = {"http", false, true, svc.banner,
           "answered HTTP to a TLS ClientHello: " + wire::printable(a.bytes, 60)};
    co_return;
  }
  const std::string tls_answer = a.bytes;
  // 3. MQTT.
  a = co_await exchange(scanner, port, wire::mqtt_connect("kensa-id", "", "", false), false, wait,
                        deadline);
  if (a.bytes.size() >= 2 && static_cast<unsigned char>(a.bytes[0]) == 0x20) {
    svc = {"mqtt", false, true, svc.banner, "answered MQTT CONNECT with a CONNACK header"};
    co_return;
  }
  // 4. HTTP, then RTSP.
  a = co_await exchange(scanner, port, kHttpGet, false, wait, deadline, http_complete);
  if (a.bytes.substr(0, 5) == "HTTP/" && (port.port == 554 || contains_ci(a.bytes, "rtsp"))) {
    // RTSP servers answer HTTP too (RTSP-over-HTTP tunnelling), e.g. GStreamer's with a 503.
    Answer rtsp =
        co_await exchange(scanner, port, kRtspOptions, false, wait, deadline, http_complete);
    if (rtsp.bytes.substr(0, 5) == "RTSP/") {
      svc = {"rtsp", false, true, svc.banner,
             "answered RTSP OPTIONS (and HTTP, as RTSP servers do)"};
      co_return;
    }
  }
  if (a.bytes.substr(0, 5) == "HTTP/") {
    svc = {"http", false, true, svc.banner,
           "answered an HTTP request: " + wire::printable(a.bytes.substr(0, 40))};
    co_return;
  }
  a = co_await exchange(scanner, port, kRtspOptions, false, wait, deadline, http_complete);
  if (a.bytes.substr(0, 5) == "RTSP/") {
    svc = {"rtsp", false, true, svc.banner, "answered RTSP OPTIONS"};
    co_return;
  }
  // 5. ADB.
  a = co_await exchange(scanner, port, wire::adb_connect_message(), false, wait, deadline);
  wire::AdbMessage adb;
  if (wire::parse_adb(a.bytes, adb)) {
    svc = {"adb", false, true, svc.banner, "answered ADB CNXN with " + adb.command};
    co_return;
  }
  svc.name = conventional(port.port);
  if (svc.name == "syslog" && silent) {
    // A syslog receiver never answers; what it does is take a frame and keep the connection.
    a = co_await exchange(scanner, port, syslog_frame("kensa-probe identification"), false,
                          std::chrono::milliseconds(400), deadline);
    if (a.status == IoStatus::timeout) {
      svc = {"syslog", false, true, "",
             "silent on TCP 514, took a syslog frame and kept the connection open"};
      co_return;
    }
  }
  svc.tls = port.port == 8883;
  svc.identified = false;
  svc.evidence = silent ? "no recognisable answer to any probe"
                        : "unrecognised answers (greeting: " + svc.banner + ")";
  if (!tls_answer.empty())
    svc.evidence += "; answer to ClientHello: " + wire::printable(tls_answer, 40);
}

std::string snmp_probe() { return wire::snmp_get(1, "public", 0x4b53, {"1.3.6.1.2.1.1.1.0"}); }

static const Check kUdpIdentify{
    {"probe.udp.identify", "", "*", Safety::safe, std::chrono::milliseconds(3000), {}, {}, ""},
    nullptr};

awaitable<bool> identify_udp(Scanner& scanner, PortState& port, Clock::time_point deadline) {
  if (port.port == 514) {
    // UDP syslog never answers: all the network shows is the absence of an ICMP port unreachable.
    if (!co_await udp_port_open(scanner, port, syslog_frame("kensa-probe identification"),
                                deadline))
      co_return false;
    port.service = {"syslog", false, true, "",
                    "UDP 514 sent no ICMP port unreachable to a syslog datagram (open, or a "
                    "firewall drops it: UDP cannot tell)"};
    co_return true;
  }
  // Each probe is sent to the port; the answer that parses names the service.
  CheckContext ctx(scanner, kUdpIdentify, port, deadline);
  const auto timeout = scanner.options().udp_timeout;
  const std::string snmp_request = snmp_probe();
  std::string answer = co_await ctx.udp_exchange(snmp_request, timeout);
  wire::SnmpResponse snmp;
  if (!answer.empty() && wire::parse_snmp(answer, snmp)) {
    port.service = {"snmp", false, true, "", "answered an SNMP GetRequest"};
    co_return true;
  }
  answer = co_await ctx.udp_exchange(wire::coap_get(0x4b53, "ks", "/.well-known/core"), timeout);
  wire::CoapMessage coap;
  if (!answer.empty() && wire::parse_coap(answer, coap)) {
    port.service = {"coap", false, true, "", "answered a CoAP GET"};
    co_return true;
  }
  static const std::string msearch =
      "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: "
      "ssdp:all\r\n\r\n";
  answer = co_await ctx.udp_exchange(msearch, timeout);
  if (answer.substr(0, 5) == "HTTP/") {
    port.service = {"ssdp", false, true, wire::printable(answer, 200), "answered an SSDP M-SEARCH"};
    port.raw_banner = answer.substr(0, 2048);
    co_return true;
  }
  co_return false;
}

}  // namespace kensa::probe
