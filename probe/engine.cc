#include "probe/engine.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include "base/error.h"

namespace kensa::probe {

using namespace asio::experimental::awaitable_operators;

std::string_view to_string(IoStatus s) {
  switch (s) {
    case IoStatus::ok:
      return "ok";
    case IoStatus::eof:
      return "connection closed";
    case IoStatus::timeout:
      return "timed out";
    case IoStatus::limit:
      return "response exceeded its size bound";
    case IoStatus::error:
      return "protocol or network error";
    case IoStatus::cancelled:
      return "scan cancelled";
  }
  return "error";
}

// ---- limits ----

awaitable<void> AsyncSemaphore::acquire() {
  if (count_ > 0 && waiters_.empty()) {
    --count_;
    co_return;
  }
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                    Clock::time_point::max());
  waiters_.push_back(timer);
  co_await timer->async_wait(use_tuple);  // cancelled by release(): the slot is handed over
}

void AsyncSemaphore::release() {
  if (!waiters_.empty()) {
    auto next = waiters_.front();
    waiters_.pop_front();
    next->cancel();
  } else {
    ++count_;
  }
}

awaitable<void> RateLimiter::acquire() {
  if (interval_ <= 0) co_return;
  const auto now = Clock::now();
  if (next_ < now) next_ = now;
  const auto slot = next_;
  next_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_));
  if (slot > now) {
    asio::steady_timer timer(co_await asio::this_coro::executor, slot);
    co_await timer.async_wait(use_tuple);
  }
}

// ---- credentials ----

// ---- Conn ----

Conn::Conn(Scanner& scanner, asio::any_io_executor executor)
    : scanner_(scanner), executor_(executor), socket_(executor) {}

Conn::~Conn() { close(); }

void Conn::close() {
  if (socket_.is_open()) {
    scanner_.untrack(&socket_);
    std::error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);  // RST: no TIME_WAIT pile-up
    socket_.close(ignored);
  }
}

namespace {
// The connect has completed: asked of the socket itself, not of the reactor.
bool connected_now(tcp::socket& socket) {
  if (!socket.is_open()) return false;
  pollfd p{socket.native_handle(), POLLOUT, 0};
  int error = 0;
  socklen_t len = sizeof error;
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLHUP)) &&
         ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
}
}  // namespace

SSL* Conn::ssl() { return tls_ ? tls_->native_handle() : nullptr; }

awaitable<IoStatus> Conn::connect(const tcp::endpoint& endpoint, Clock::time_point deadline) {
  if (scanner_.cancelled()) co_return IoStatus::cancelled;
  std::error_code ec;
  socket_.open(tcp::v4(), ec);
  if (ec) co_return IoStatus::error;
  scanner_.track(&socket_);
  asio::steady_timer timer(executor_, deadline);
  auto r = co_await (socket_.async_connect(endpoint, use_tuple) || timer.async_wait(use_tuple));
  if (r.index() == 1) {
    // The timer won the race, but on a busy loop both may have been ready in the same pass (the
    // connect completed, its completion not yet run): ask the socket itself before calling it a
    // timeout, so that a late-running loop never turns an open port into a silent one.
    if (!connected_now(socket_)) co_return IoStatus::timeout;
  } else {
    ec = std::get<0>(std::get<0>(r));
  }
  if (scanner_.cancelled()) co_return IoStatus::cancelled;
  if (ec == asio::error::connection_refused) co_return IoStatus::eof;
  if (ec) co_return ec == asio::error::timed_out ? IoStatus::timeout : IoStatus::error;
  socket_.set_option(tcp::no_delay(true), ec);
  co_return IoStatus::ok;
}

awaitable<IoStatus> Conn::start_tls(asio::ssl::context& context, Clock::time_point deadline,
                                    std::string* error) {
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, context);
  asio::steady_timer timer(executor_, deadline);
  auto r = co_await (tls_->async_handshake(asio::ssl::stream_base::client, use_tuple) ||
                     timer.async_wait(use_tuple));
  if (r.index() == 1) co_return IoStatus::timeout;
  const auto ec = std::get<0>(std::get<0>(r));
  if (ec) {
    if (error) *error = ec.message();
    co_return scanner_.cancelled() ? IoStatus::cancelled : IoStatus::error;
  }
  co_return IoStatus::ok;
}

awaitable<IoStatus> Conn::read_some(std::string& buffer, std::size_t cap,
                                    Clock::time_point deadline) {
  if (scanner_.cancelled()) co_return IoStatus::cancelled;
  if (buffer.size() >= cap) co_return IoStatus::limit;
  if (Clock::now() >= deadline) co_return IoStatus::timeout;
  char chunk[4096];
  const std::size_t want = std::min(sizeof chunk, cap - buffer.size());
  asio::steady_timer timer(executor_, deadline);
  std::error_code ec;
  std::size_t n = 0;
  if (tls_) {
    auto r = co_await (tls_->async_read_some(asio::buffer(chunk, want), use_tuple) ||
                       timer.async_wait(use_tuple));
    if (r.index() == 1) co_return IoStatus::timeout;
    std::tie(ec, n) = std::get<0>(r);
  } else {
    auto r = co_await (socket_.async_read_some(asio::buffer(chunk, want), use_tuple) ||
                       timer.async_wait(use_tuple));
    if (r.index() == 1) co_return IoStatus::timeout;
    std::tie(ec, n) = std::get<0>(r);
  }
  buffer.append(chunk, n);
  if (scanner_.cancelled()) co_return IoStatus::cancelled;
  if (n > 0) co_return IoStatus::ok;
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
      ec == asio::error::connection_reset) {
    co_return IoStatus::eof;
  }
  co_return ec ? IoStatus::error : IoStatus::ok;
}

awaitable<IoStatus> Conn::write(std::string_view bytes, Clock::time_point deadline) {
  if (scanner_.cancelled()) co_return IoStatus::cancelled;
  asio::steady_timer timer(executor_, deadline);
  std::error_code ec;
  if (tls_) {
    auto r = co_await (asio::async_write(*tls_, asio::buffer(bytes), use_tuple) ||
                       timer.async_wait(use_tuple));
    if (r.index() == 1) co_return IoStatus::timeout;
    ec = std::get<0>(std::get<0>(r));
  } else {
    auto r = co_await (asio::async_write(socket_, asio::buffer(bytes), use_tuple) ||
                       timer.async_wait(use_tuple));
    if (r.index() == 1) co_return IoStatus::timeout;
    ec = std::get<0>(std::get<0>(r));
  }
  if (ec == asio::error::broken_pipe || ec == asio::error::connection_reset)
    co_return IoStatus::eof;
  co_return ec ? IoStatus::error : IoStatus::ok;
}

std::unique_ptr<asio::ssl::context> permissive_tls_context(int min_version, int max_version,
                                                           const char* ciphers) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_security_level(native, 0);
  SSL_CTX_set_min_proto_version(native, min_version);
  SSL_CTX_set_max_proto_version(native, max_version);
  SSL_CTX_set_options(native, SSL_OP_LEGACY_SERVER_CONNECT);
  SSL_CTX_set_cipher_list(native, ciphers ? ciphers : "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
  ctx->set_verify_mode(asio::ssl::verify_none);
  return ctx;
}

// ---- Scanner ----

Scanner::Scanner(asio::io_context& io, const ScanOptions& options,
                 std::vector<Credential> dictionary)
    : io_(io),
      options_(options),
      dictionary_(std::move(dictionary)),
      sockets_(std::max(1u, options.concurrency)),
      rate_(options.rate) {}

void Scanner::cancel() {
  cancelled_ = true;
  for (auto* s : live_) {
    std::error_code ignored;
    s->close(ignored);
  }
  live_.clear();
}

AsyncSemaphore& Scanner::target_semaphore(Ipv4 a) {
  auto& p = target_semaphores_[a];
  if (!p) p = std::make_unique<AsyncSemaphore>(std::max(1u, options_.per_target_concurrency));
  return *p;
}

RateLimiter& Scanner::target_rate(Ipv4 a) {
  auto& p = target_rates_[a];
  if (!p) p = std::make_unique<RateLimiter>(options_.per_target_rate);
  return *p;
}

awaitable<void> Scanner::admit(Ipv4 address) {
  co_await rate_.acquire();
  co_await target_rate(address).acquire();
}

Scanner::Slot::~Slot() {
  scanner->sockets_.release();
  scanner->target_semaphore(address).release();
}

awaitable<std::unique_ptr<Scanner::Slot>> Scanner::acquire_socket(Ipv4 address) {
  co_await target_semaphore(address).acquire();
  co_await sockets_.acquire();
  co_await admit(address);
  co_return std::make_unique<Slot>(Slot{this, address});
}

// ---- CheckContext ----

CheckContext::CheckContext(Scanner& s, const Check& c, PortState& p, Clock::time_point d)
    : scanner(s), check(c), port(p), deadline(d) {}

awaitable<std::unique_ptr<Conn>> CheckContext::open() {
  if (expired()) {
    incomplete(
        scanner.cancelled() ? evidence::CheckStatus::skipped : evidence::CheckStatus::timeout,
        "time budget spent before connecting");
    co_return nullptr;
  }
  auto slot = co_await scanner.acquire_socket(port.address);
  auto conn = std::make_unique<Conn>(scanner, co_await asio::this_coro::executor);
  const auto connect_deadline =
      std::min(deadline, Clock::now() + scanner.options().connect_timeout);
  IoStatus s = co_await conn->connect(tcp::endpoint(asio::ip::address_v4(port.address), port.port),
                                      connect_deadline);
  if (s != IoStatus::ok) {
    incomplete(s, "connect");
    co_return nullptr;
  }
  if (port.service.tls) {
    static auto context = permissive_tls_context();
    std::string why;
    s = co_await conn->start_tls(*context, deadline, &why);
    if (s != IoStatus::ok) {
      incomplete(s, "TLS handshake" + pick(why.empty(), "", " (" + why + ")"));
      co_return nullptr;
    }
  }
  co_return conn;
}

awaitable<std::string> CheckContext::udp_exchange(std::string_view request,
                                                  std::chrono::milliseconds timeout) {
  const udp::endpoint peer(asio::ip::address_v4(port.address), port.port);
  udp::socket socket(co_await asio::this_coro::executor);
  std::error_code ec;
  socket.open(udp::v4(), ec);
  if (!ec) socket.connect(peer, ec);  // only the target's answers are received
  if (ec) co_return std::string();
  for (unsigned attempt = 0; attempt <= scanner.options().retries && !expired(); ++attempt) {
    co_await scanner.admit(port.address);
    ++scanner.stats.udp_probes;
    co_await socket.async_send(asio::buffer(request), use_tuple);
    std::string buffer(65536, '\0');
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             std::min(deadline, Clock::now() + timeout));
    auto r = co_await (socket.async_receive(asio::buffer(buffer), use_tuple) ||
                       timer.async_wait(use_tuple));
    if (r.index() == 0) {
      auto [rec, n] = std::get<0>(r);
      if (!rec) {
        buffer.resize(n);
        co_return buffer;
      }
      if (rec == asio::error::connection_refused) break;  // ICMP port unreachable
    }
  }
  co_return std::string();
}

awaitable<std::vector<std::string>> CheckContext::udp_burst(
    const std::vector<std::string>& requests, std::chrono::milliseconds wait) {
  std::vector<std::string> answers;
  const udp::endpoint peer(asio::ip::address_v4(port.address), port.port);
  udp::socket socket(co_await asio::this_coro::executor);
  std::error_code ec;
  socket.open(udp::v4(), ec);
  if (!ec) socket.connect(peer, ec);
  if (ec) co_return answers;
  for (const auto& r : requests) {
    co_await scanner.admit(port.address);
    ++scanner.stats.udp_probes;
    co_await socket.async_send(asio::buffer(r), use_tuple);
  }
  const auto end = std::min(deadline, Clock::now() + wait);
  std::string buffer(65536, '\0');
  while (answers.size() < 256 && Clock::now() < end) {
    asio::steady_timer timer(co_await asio::this_coro::executor, end);
    auto r = co_await (socket.async_receive(asio::buffer(buffer), use_tuple) ||
                       timer.async_wait(use_tuple));
    if (r.index() == 1) break;
    auto [rec, n] = std::get<0>(r);
    if (rec == asio::error::connection_refused) break;
    if (!rec) answers.emplace_back(buffer.data(), n);
  }
  co_return answers;
}

evidence::Finding& CheckContext::add(std::string_view kind, std::string title,
                                     std::string evidence_text, nlohmann::json evidence) {
  evidence::Finding f;
  f.check = std::string(check.info.id);
  f.kind = std::string(kind);
  f.target = target();
  f.port = port.port;
  f.protocol = port.udp ? "udp" : "tcp";
  f.service = port.service.name;
  f.collector = "probe";
  const auto* k = evidence::find_kind(kind);
  f.severity = k ? k->default_severity : evidence::Severity::medium;
  f.title = std::move(title);
  f.evidence_text = std::move(evidence_text);
  f.evidence = std::move(evidence);
  findings.push_back(std::move(f));
  return findings.back();
}

void CheckContext::incomplete(evidence::CheckStatus s, std::string why) {
  if (status == evidence::CheckStatus::completed) {
    status = s;
    detail = std::move(why);
  }
}

void CheckContext::incomplete(IoStatus io, const std::string& what) {
  using evidence::CheckStatus;
  CheckStatus s = CheckStatus::error;
  if (io == IoStatus::timeout) s = CheckStatus::timeout;
  if (io == IoStatus::cancelled) s = CheckStatus::skipped;
  incomplete(s, what + ": " + std::string(to_string(io)));
}

void CheckContext::note(std::string text) {
  if (status != evidence::CheckStatus::completed) return;
  if (!detail.empty()) detail += "; ";
  detail += text;
}

}  // namespace kensa::probe
