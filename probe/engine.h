#pragma once
// The asynchronous engine the checks run on (internal to the probe component).
//
// Contract: every network operation takes an absolute deadline; nothing waits past it. Reads are
// bounded by a byte cap the caller states. A check is a coroutine that receives a CheckContext,
// opens connections through it (which applies the scan's rate limits, concurrency limits and
// scope), records findings, and sets its status when it could not finish. The check's budget is the
// context's deadline; when the whole scan is cancelled, open sockets are closed and every later
// operation fails at once.
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "evidence/credentials.h"
#include "probe/probe.h"
#include "probe/wire.h"

namespace kensa::probe {

using Clock = std::chrono::steady_clock;
using asio::awaitable;
using asio::ip::tcp;
using asio::ip::udp;
inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// A FIFO counting semaphore for coroutines on one single-threaded io_context.
class AsyncSemaphore {
 public:
  explicit AsyncSemaphore(std::size_t count) : count_(count) {}
  awaitable<void> acquire();
  void release();

 private:
  std::size_t count_;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters_;
};

// A token bucket with no burst: acquire() waits until the next slot (1/rate seconds apart).
class RateLimiter {
 public:
  explicit RateLimiter(double per_second) : interval_(per_second > 0 ? 1.0 / per_second : 0) {}
  awaitable<void> acquire();

 private:
  double interval_;
  Clock::time_point next_{};
};

// The default-credential dictionary is shared with the firmware analysis (evidence/credentials.h).
using evidence::Credential;
using evidence::parse_credentials;
std::vector<Credential> load_dictionary(const ScanOptions& options);

enum class IoStatus { ok, eof, timeout, limit, error, cancelled };
std::string_view to_string(IoStatus status);

class Scanner;

// One TCP connection, optionally wrapped in TLS after connecting.
class Conn {
 public:
  Conn(Scanner& scanner, asio::any_io_executor executor);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  awaitable<IoStatus> connect(const tcp::endpoint& endpoint, Clock::time_point deadline);
  // TLS handshake with `context`; `error` receives OpenSSL's reason when it fails.
  awaitable<IoStatus> start_tls(asio::ssl::context& context, Clock::time_point deadline,
                                std::string* error = nullptr);
  // Appends up to `cap - buffer.size()` bytes (limit when the buffer is already at cap).
  awaitable<IoStatus> read_some(std::string& buffer, std::size_t cap, Clock::time_point deadline);
  awaitable<IoStatus> write(std::string_view bytes, Clock::time_point deadline);
  // Reads until `complete(buffer)` returns ok or bad, the cap, EOF or the deadline.
  template <typename Pred>
  awaitable<IoStatus> read_until(std::string& buffer, std::size_t cap, Clock::time_point deadline,
                                 Pred complete);
  SSL* ssl();  // nullptr before start_tls
  void close();

 private:
  Scanner& scanner_;
  asio::any_io_executor executor_;
  tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;
};

template <typename Pred>
awaitable<IoStatus> Conn::read_until(std::string& buffer, std::size_t cap,
                                     Clock::time_point deadline, Pred complete) {
  while (true) {
    if (!buffer.empty()) {
      const wire::Parse p = complete(buffer);
      if (p != wire::Parse::need_more)
        co_return p == wire::Parse::ok ? IoStatus::ok : IoStatus::error;
    }
    const IoStatus s = co_await read_some(buffer, cap, deadline);
    if (s != IoStatus::ok) co_return s;
  }
}

// What a port answered, and so which checks apply.
struct Service {
  std::string name;         // telnet ftp http mqtt ssh tls adb rtsp coap snmp ssdp unknown
  bool tls = false;         // the application protocol runs inside TLS
  bool identified = false;  // false: nothing recognisable answered; `name` is the port's convention
  std::string banner;       // first bytes the service sent (printable excerpt)
  std::string evidence;     // how it was identified
};

struct PortState {
  Ipv4 address = 0;
  std::uint16_t port = 0;
  bool udp = false;
  Service service;
  std::string raw_banner;  // bounded
  // Facts one check leaves for the next on the same port (checks of a port run in catalog order).
  std::optional<std::pair<std::string, std::string>> accepted_credential;
  std::vector<std::pair<std::string, std::string>> http_auth;  // path, WWW-Authenticate

  // Not an aggregate initializer: GCC's -Wmissing-field-initializers flags designated ones too.
  static PortState at(Ipv4 address, std::uint16_t port, bool udp = false) {
    PortState p;
    p.address = address;
    p.port = port;
    p.udp = udp;
    return p;
  }
};

class CheckContext;

struct Check {
  CheckInfo info;
  awaitable<void> (*run)(CheckContext& context);
};
const std::vector<Check>& checks();

// The scan: limits, cancellation, the dictionary, the results.
class Scanner {
 public:
  Scanner(asio::io_context& io, const ScanOptions& options, std::vector<Credential> dictionary);

  asio::io_context& io() { return io_; }
  const ScanOptions& options() const { return options_; }
  const std::vector<Credential>& dictionary() const { return dictionary_; }
  bool cancelled() const { return cancelled_; }
  void cancel();  // closes every open socket; later operations fail at once

  // Waits for the limits that apply to one new connection or datagram to `address`.
  awaitable<void> admit(Ipv4 address);
  struct Slot {
    Scanner* scanner;
    Ipv4 address;
    ~Slot();
  };
  awaitable<std::unique_ptr<Slot>> acquire_socket(Ipv4 address);

  void track(tcp::socket* socket) { live_.insert(socket); }
  void untrack(tcp::socket* socket) { live_.erase(socket); }

  evidence::FindingSet results;
  ScanStats stats;

 private:
  AsyncSemaphore& target_semaphore(Ipv4 address);
  RateLimiter& target_rate(Ipv4 address);

  asio::io_context& io_;
  const ScanOptions& options_;
  std::vector<Credential> dictionary_;
  bool cancelled_ = false;
  AsyncSemaphore sockets_;
  RateLimiter rate_;
  std::map<Ipv4, std::unique_ptr<AsyncSemaphore>> target_semaphores_;
  std::map<Ipv4, std::unique_ptr<RateLimiter>> target_rates_;
  std::set<tcp::socket*> live_;
};

// What a check sees: the port, its service, its deadline, a way to connect, and its results.
class CheckContext {
 public:
  CheckContext(Scanner& scanner, const Check& check, PortState& port, Clock::time_point deadline);

  Scanner& scanner;
  const Check& check;
  PortState& port;
  Clock::time_point deadline;

  std::string target() const { return format_ipv4(port.address); }
  // A fresh connection to the port, inside TLS when the service runs in TLS. nullptr on failure
  // (the status is set to error/timeout with the reason).
  awaitable<std::unique_ptr<Conn>> open();
  // Exchanges one datagram (with the scan's retries); empty when nothing answered in time.
  awaitable<std::string> udp_exchange(std::string_view request, std::chrono::milliseconds timeout);
  // Sends every request from one socket (each admitted by the rate limits) and collects the
  // answers that arrive within `wait` (at most 256, each ≤ 64 KiB).
  awaitable<std::vector<std::string>> udp_burst(const std::vector<std::string>& requests,
                                                std::chrono::milliseconds wait);

  evidence::Finding& add(std::string_view kind, std::string title, std::string evidence_text,
                         nlohmann::json evidence = nlohmann::json::object());
  // The run could not prove absence: timeout, error or unreachable, with why.
  void incomplete(evidence::CheckStatus status, std::string why);
  void incomplete(IoStatus io, const std::string& what);
  void note(std::string text);  // what was covered, for the check run's detail
  bool expired() const { return Clock::now() >= deadline || scanner.cancelled(); }

  evidence::CheckStatus status = evidence::CheckStatus::completed;
  std::string detail;
  std::vector<evidence::Finding> findings;
};

// c ? a : b without a conditional expression: GCC 12 miscompiles conditional expressions whose
// branches are class temporaries inside coroutines (double frees), so coroutines use this.
inline std::string pick(bool c, std::string a, std::string b) {
  return c ? std::move(a) : std::move(b);
}

// Identification of the service on an open TCP port (service.cc).
awaitable<void> identify_tcp(Scanner& scanner, PortState& port, Clock::time_point deadline);
// UDP probes (SNMP, CoAP, SSDP) on a UDP port; false when nothing answered.
awaitable<bool> identify_udp(Scanner& scanner, PortState& port, Clock::time_point deadline);
// A TLS client context that accepts any certificate and every protocol version and cipher the
// library still has (security level 0), so that weak servers can be measured, not refused.
std::unique_ptr<asio::ssl::context> permissive_tls_context(int min_version = 0, int max_version = 0,
                                                           const char* ciphers = nullptr);

}  // namespace kensa::probe
