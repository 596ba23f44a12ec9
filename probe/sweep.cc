// The port sweep on epoll directly. Why not the asio engine the checks use: a sweep is tens of
// thousands of identical, tiny, mostly-refused connects, and one coroutine frame, two asio
// operations and a timer per port cost more than the connect itself (28.8 s for 65 535 ports,
// against nmap's 10 s). Here a port in flight is one socket and one slot; every deadline is the
// launch time plus the same timeout, so a FIFO is the timer queue.
#include "probe/sweep.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/error.h"

namespace kensa::probe {

std::size_t raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20
                                       : static_cast<std::size_t>(lim.rlim_cur);
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(200);
constexpr auto kRateSlack = std::chrono::milliseconds(2);

struct Item {
  std::uint32_t index;
  std::uint32_t attempt;
};

enum class Outcome {
  open,
  closed,   // refused (RST) or unreachable: never retried
  timeout,  // no answer: retried up to --retries times
  busy,     // a local resource ran out (descriptors, ports, buffers): the same attempt again later
};

// Which pair may be probed now under the scan's limits. Pairs whose target is at its own limit wait
// in that target's queue, so that one slow target never holds up the others.
class Scheduler {
 public:
  Scheduler(const SweepInput& in, std::size_t max_inflight)
      : in_(in),
        options_(*in.options),
        nports_(in.ports->size()),
        max_inflight_(max_inflight),
        target_inflight_(in.targets->size(), 0) {
    if (options_.rate > 0) interval_ = to_duration(1.0 / options_.rate);
    if (options_.per_target_rate > 0) {
      target_interval_ = to_duration(1.0 / options_.per_target_rate);
      target_next_.assign(in.targets->size(), Clock::time_point{});
    }
    per_target_ = std::max(1u, options_.per_target_concurrency);
  }

  std::size_t target_of(const Item& item) const { return item.index / nports_; }
  Ipv4 address(const Item& item) const { return (*in_.targets)[item.index / nports_]; }
  std::uint16_t port(const Item& item) const { return (*in_.ports)[item.index % nports_]; }

  // The next pair allowed now; nullopt when none is (then `wake` is lowered to when one may be).
  std::optional<Item> next(Clock::time_point now, Clock::time_point& wake) {
    if (inflight_ >= max_inflight_) return std::nullopt;
    if (next_ > now) {
      wake = std::min(wake, next_);
      return std::nullopt;
    }
    for (auto it = blocked_.begin(); it != blocked_.end();) {
      if (it->second.empty()) {
        it = blocked_.erase(it);
        continue;
      }
      if (allowed(it->first, now, wake)) {
        const Item item = it->second.front();
        it->second.pop_front();
        --blocked_count_;
        return item;
      }
      ++it;
    }
    while (blocked_count_ < 4 * max_inflight_) {
      Item item{};
      if (!retry_.empty()) {
        item = retry_.front();
        retry_.pop_front();
      } else if (cursor_ < in_.order->size()) {
        item = Item{(*in_.order)[cursor_++], 0};
      } else {
        return std::nullopt;
      }
      const std::size_t t = target_of(item);
      if (allowed(t, now, wake)) return item;
      blocked_[t].push_back(item);
      ++blocked_count_;
    }
    return std::nullopt;
  }

  void launched(const Item& item, Clock::time_point now) {
    ++inflight_;
    ++target_inflight_[target_of(item)];
    // Token buckets whose depth is kRateSlack of tokens: the loop sleeps in whole milliseconds, so
    // a rate above 1000/s needs the credit of a short oversleep; the average never exceeds the
    // rate.
    if (interval_.count() > 0) next_ = std::max(next_, now - kRateSlack) + interval_;
    if (target_interval_.count() > 0) {
      auto& n = target_next_[target_of(item)];
      n = std::max(n, now - kRateSlack) + target_interval_;
    }
  }

  // Returns true when the pair is finally unanswered (all retries spent).
  bool finished(const Item& item, Outcome outcome) {
    --inflight_;
    --target_inflight_[target_of(item)];
    if (outcome == Outcome::busy) {
      retry_.push_front(item);
    } else if (outcome == Outcome::timeout) {
      if (item.attempt < options_.retries) {
        retry_.push_back(Item{item.index, item.attempt + 1});
      } else {
        return true;
      }
    }
    return false;
  }

  // Never launched (a local failure before sending): back to the front, limits not charged.
  void unlaunch(const Item& item) { retry_.push_front(item); }

  bool done() const {
    return inflight_ == 0 && retry_.empty() && blocked_count_ == 0 && cursor_ >= in_.order->size();
  }
  std::size_t inflight() const { return inflight_; }

 private:
  static Clock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }

  bool allowed(std::size_t t, Clock::time_point now, Clock::time_point& wake) const {
    if (target_inflight_[t] >= per_target_) return false;  // woken by a completion
    if (!target_next_.empty() && target_next_[t] > now) {
      wake = std::min(wake, target_next_[t]);
      return false;
    }
    return true;
  }

  const SweepInput& in_;
  const ScanOptions& options_;
  std::size_t nports_;
  std::size_t max_inflight_;
  std::size_t inflight_ = 0;
  std::size_t cursor_ = 0;
  unsigned per_target_ = 1;
  std::vector<std::uint32_t> target_inflight_;
  std::vector<Clock::time_point> target_next_;
  Clock::duration interval_{0}, target_interval_{0};
  Clock::time_point next_{};
  std::deque<Item> retry_;
  std::unordered_map<std::size_t, std::deque<Item>> blocked_;
  std::size_t blocked_count_ = 0;
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::uint64_t pair_key(Ipv4 address, std::uint16_t port) {
  return (std::uint64_t{address} << 16) | port;
}

sockaddr_in to_sockaddr(Ipv4 address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(address);
  sa.sin_port = htons(port);
  return sa;
}

// The loop both sweeps share: launch what the limits allow (in batches, so that answers are read
// between them), wait on epoll until an answer, a deadline or a rate slot, expire deadlines.
template <typename Backend>
SweepResult run_sweep(const SweepInput& in, Backend& backend, std::size_t max_inflight) {
  SweepResult result;
  Scheduler sched(in, max_inflight);
  struct Slot {
    Item item{};
    std::uint32_t generation = 0;
    bool busy = false;
  };
  std::vector<Slot> slots(max_inflight);
  std::vector<std::uint32_t> free_slots;
  for (std::size_t i = max_inflight; i-- > 0;) free_slots.push_back(static_cast<std::uint32_t>(i));
  struct Deadline {
    Clock::time_point at;
    std::uint32_t slot, generation;
  };
  std::deque<Deadline> deadlines;
  std::unordered_set<std::uint64_t> open;
  const auto timeout = std::chrono::duration_cast<Clock::duration>(in.options->connect_timeout);

  auto finish = [&](std::uint32_t s, Outcome outcome) {
    Slot& slot = slots[s];
    const Ipv4 a = sched.address(slot.item);
    const std::uint16_t p = sched.port(slot.item);
    backend.release(s, outcome == Outcome::open);
    if (outcome == Outcome::open && open.insert(pair_key(a, p)).second)
      result.open.push_back(OpenPort{a, p});
    if (sched.finished(slot.item, outcome)) ++result.timeouts;
    slot.busy = false;
    ++slot.generation;
    free_slots.push_back(s);
  };
  // Answers that arrive after their pair timed out still count (a late SYN/ACK is an open port).
  auto late_open = [&](Ipv4 a, std::uint16_t p) {
    if (open.insert(pair_key(a, p)).second) result.open.push_back(OpenPort{a, p});
  };

  std::vector<epoll_event> events(1024);
  auto last_progress = Clock::now();
  Clock::time_point backoff_until{};
  while (true) {
    if (in.stop && in.stop()) {
      result.stopped = true;
      break;
    }
    auto now = Clock::now();
    Clock::time_point wake = now + kTick;
    bool more = false;
    if (now >= backoff_until) {
      for (int batch = 0; batch < 512; ++batch, now = Clock::now()) {
        auto item = sched.next(now, wake);
        if (!item) break;
        if (free_slots.empty()) {  // cannot happen: slots == max in flight
          sched.unlaunch(*item);
          break;
        }
        const std::uint32_t s = free_slots.back();
        free_slots.pop_back();
        slots[s] = Slot{*item, slots[s].generation, true};
        sched.launched(*item, now);
        ++result.probes;
        const auto started = backend.start(s, sched.address(*item), sched.port(*item));
        if (started) {
          if (*started == Outcome::busy) {
            --result.probes;
            backoff_until = now + std::chrono::milliseconds(10);
          }
          finish(s, *started);
          if (*started == Outcome::busy) break;
        } else {
          deadlines.push_back(Deadline{now + timeout, s, slots[s].generation});
        }
        if (batch == 511) more = true;
      }
    } else {
      wake = std::min(wake, backoff_until);
    }
    if (sched.done()) break;
    if (!deadlines.empty()) wake = std::min(wake, deadlines.front().at);
    int wait_ms = 0;
    if (!more) {
      now = Clock::now();
      wait_ms =
          wake > now
              ? static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wake - now).count())
              : 0;
    }
    const int n =
        epoll_wait(backend.epoll(), events.data(), static_cast<int>(events.size()), wait_ms);
    auto done = [&](std::uint32_t s, Outcome o) {
      if (s < slots.size() && slots[s].busy) finish(s, o);
    };
    for (int i = 0; i < n; ++i) backend.ready(events[i], done, late_open);
    now = Clock::now();
    if (!deadlines.empty() && deadlines.front().at <= now) backend.drain(done, late_open);
    while (!deadlines.empty() && deadlines.front().at <= now) {
      const Deadline d = deadlines.front();
      deadlines.pop_front();
      if (!slots[d.slot].busy || slots[d.slot].generation != d.generation) continue;
      // One last look before calling it unanswered: an answer the loop has not read yet (a busy
      // machine, a burst of events) must not become a false "filtered".
      finish(d.slot, backend.last_look(d.slot));
    }
    if (in.progress && now - last_progress >= kTick) {
      last_progress = now;
      in.progress(result.probes, result.open.size());
    }
  }
  for (std::uint32_t s = 0; s < slots.size(); ++s) {
    if (slots[s].busy) backend.release(s, false);
  }
  std::sort(result.open.begin(), result.open.end(), [](const OpenPort& a, const OpenPort& b) {
    return std::tie(a.address, a.port) < std::tie(b.address, b.port);
  });
  if (in.progress) in.progress(result.probes, result.open.size());
  return result;
}

// ---- connect() ----

Outcome connect_outcome(int error) {
  switch (error) {
    case 0:
    case EISCONN:
      return Outcome::open;
    case ETIMEDOUT:
      return Outcome::timeout;
    case EAGAIN:
    case EADDRNOTAVAIL:
    case ENOBUFS:
    case ENOMEM:
    case EMFILE:
    case ENFILE:
      return Outcome::busy;
    default:  // ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ...: the network answered "no"
      return Outcome::closed;
  }
}

// One socket per slot, reused from pair to pair: connect(), then connect(AF_UNSPEC) dissolves the
// association (a reset if it was established, so no TIME_WAIT and no half-open session on the
// device) and the socket is ready for the next pair. Per port that is connect + getsockopt +
// disconnect, with no socket allocation, no close and no epoll_ctl: the kernel's work per port is
// what bounds a connect sweep, and this is what can be cut from it.
class ConnectBackend {
 public:
  explicit ConnectBackend(std::size_t slots)
      : epoll_(epoll_create1(EPOLL_CLOEXEC)), fds_(slots, -1) {
    if (epoll_.get() < 0)
      throw std::runtime_error("epoll_create1: " + std::string(strerror(errno)));
  }
  ~ConnectBackend() {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  int epoll() const { return epoll_.get(); }

  // nullopt: in flight (its answer comes through epoll); otherwise already decided.
  std::optional<Outcome> start(std::uint32_t slot, Ipv4 address, std::uint16_t port) {
    int& fd = fds_[slot];
    if (fd < 0) {
      fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return Outcome::busy;
      // Edge-triggered, registered once: every state change of the socket (answer, refusal) is a
      // new edge. epoll re-polls the socket before reporting, so an edge left over from the slot's
      // previous pair is never reported for the next one while it is still connecting.
      epoll_event ev{};
      ev.events = EPOLLOUT | EPOLLET;
      ev.data.u64 = slot;
      if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
        discard(slot);
        return Outcome::busy;
      }
    }
    const sockaddr_in sa = to_sockaddr(address, port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0) return Outcome::open;
    if (errno == EINPROGRESS) return std::nullopt;
    const Outcome o = connect_outcome(errno);
    if (o == Outcome::busy || errno == EALREADY || errno == EISCONN) discard(slot);
    return o;
  }

  template <typename Done, typename Late>
  void ready(const epoll_event& ev, Done done, Late&&) {
    const auto slot = static_cast<std::uint32_t>(ev.data.u64);
    if (slot >= fds_.size() || fds_[slot] < 0) return;
    const int error = socket_error(fds_[slot]);
    if (ev.events & (EPOLLERR | EPOLLHUP)) {
      done(slot, error == 0 ? Outcome::closed : connect_outcome(error));
    } else if (ev.events & EPOLLOUT) {
      done(slot, connect_outcome(error));
    }
  }
  template <typename Done, typename Late>
  void drain(Done&&, Late&&) {}  // last_look() asks each socket itself

  Outcome last_look(std::uint32_t slot) {
    pollfd p{fds_[slot], POLLOUT, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const int error = socket_error(fds_[slot]);
      if (p.revents & (POLLERR | POLLHUP))
        return error == 0 ? Outcome::closed : connect_outcome(error);
      const Outcome o = connect_outcome(error);
      return o == Outcome::busy ? Outcome::timeout : o;
    }
    return Outcome::timeout;
  }

  void release(std::uint32_t slot, bool) {
    const int fd = fds_[slot];
    if (fd < 0) return;
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    if (::connect(fd, &unspec, sizeof unspec) != 0) {
      discard(slot);
      return;
    }
    // Dissolving an established or still-connecting association leaves ECONNRESET pending on the
    // socket: read it now, or the next pair would inherit it.
    socket_error(fd);
  }

 private:
  static int socket_error(int fd) {
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return errno;
    return error;
  }
  void discard(std::uint32_t slot) {
    if (fds_[slot] >= 0) {
      const linger l{1, 0};  // reset, not FIN
      ::setsockopt(fds_[slot], SOL_SOCKET, SO_LINGER, &l, sizeof l);
      ::close(fds_[slot]);  // also removes it from the epoll set
    }
    fds_[slot] = -1;
  }

  Fd epoll_;
  std::vector<int> fds_;
};

// ---- raw SYN ----

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint16_t checksum_fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

class SynBackend {
 public:
  explicit SynBackend(std::size_t slots)
      : epoll_(epoll_create1(EPOLL_CLOEXEC)), slots_(slots, kNoPair) {
    raw_ = Fd(::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
    if (raw_.get() < 0) {
      const int e = errno;
      throw InputError(std::string("--syn needs a raw socket (CAP_NET_RAW: run as root or `setcap "
                                   "cap_net_raw+ep` the binary): ") +
                       strerror(e));
    }
    // The source port SYNs come from, held by a bound (never listening) TCP socket so that no
    // local connection can take it; the kernel resets every SYN/ACK sent to it.
    reserve_ = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in any{};
    any.sin_family = AF_INET;
    socklen_t len = sizeof any;
    if (reserve_.get() < 0 ||
        ::bind(reserve_.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
        ::getsockname(reserve_.get(), reinterpret_cast<sockaddr*>(&any), &len) != 0) {
      throw std::runtime_error("cannot reserve a source port: " + std::string(strerror(errno)));
    }
    source_port_ = ntohs(any.sin_port);
    // Only TCP segments to our source port reach user space (the raw socket sees every TCP
    // segment).
    sock_filter code[] = {
        {BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0},  // x = IP header length
        {BPF_LD | BPF_H | BPF_IND, 0, 0, 2},   // a = TCP destination port
        {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, source_port_},
        {BPF_RET | BPF_K, 0, 0, 0xffff},
        {BPF_RET | BPF_K, 0, 0, 0},
    };
    sock_fprog program{static_cast<unsigned short>(std::size(code)), code};
    ::setsockopt(raw_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
    const int buffer = 16 << 20;
    if (::setsockopt(raw_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0)
      ::setsockopt(raw_.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    std::random_device rd;
    secret_ = (std::uint64_t{rd()} << 32) ^ rd();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = ~std::uint64_t{0};
    if (epoll_.get() < 0 || epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, raw_.get(), &ev) != 0)
      throw std::runtime_error("epoll: " + std::string(strerror(errno)));
  }
  int epoll() const { return epoll_.get(); }

  std::optional<Outcome> start(std::uint32_t slot, Ipv4 address, std::uint16_t port) {
    const auto source = source_for(address);
    if (!source) return Outcome::closed;  // no route: unreachable
    std::uint8_t tcp[24] = {};
    const std::uint32_t seq = cookie(address, port);
    put16(tcp + 0, source_port_);
    put16(tcp + 2, port);
    put32(tcp + 4, seq);
    tcp[12] = 6 << 4;  // data offset: 6 words (MSS option)
    tcp[13] = 0x02;    // SYN
    put16(tcp + 14, 64240);
    tcp[20] = 2, tcp[21] = 4;
    put16(tcp + 22, 1460);
    std::uint32_t sum = (*source >> 16) + (*source & 0xffff) + (address >> 16) +
                        (address & 0xffff) + IPPROTO_TCP + sizeof tcp;
    for (std::size_t i = 0; i < sizeof tcp; i += 2) sum += (tcp[i] << 8) | tcp[i + 1];
    put16(tcp + 16, checksum_fold(sum));
    const sockaddr_in sa = to_sockaddr(address, 0);
    if (::sendto(raw_.get(), tcp, sizeof tcp, 0, reinterpret_cast<const sockaddr*>(&sa),
                 sizeof sa) != static_cast<ssize_t>(sizeof tcp)) {
      return errno == ENOBUFS || errno == EAGAIN || errno == ENOMEM ? Outcome::busy
                                                                    : Outcome::closed;
    }
    const std::uint64_t key = pair_key(address, port);
    inflight_[key] = slot;
    slots_[slot] = key;
    return std::nullopt;
  }

  template <typename Done, typename Late>
  void ready(const epoll_event&, Done&& done, Late&& late_open) {
    drain(done, late_open);
  }

  template <typename Done, typename Late>
  void drain(Done&& done, Late&& late_open) {
    std::uint8_t buffer[256];
    while (true) {
      const ssize_t n = ::recv(raw_.get(), buffer, sizeof buffer, MSG_DONTWAIT | MSG_TRUNC);
      if (n < 0) break;
      const std::size_t got = std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer);
      if (got < 20 || (buffer[0] >> 4) != 4 || buffer[9] != IPPROTO_TCP) continue;
      const std::size_t ihl = (buffer[0] & 0x0f) * 4u;
      if (got < ihl + 20) continue;
      const std::uint8_t* tcp = buffer + ihl;
      const Ipv4 from = get32(buffer + 12);
      const std::uint16_t port = get16(tcp + 0);
      if (get16(tcp + 2) != source_port_) continue;
      // Only answers to a SYN of ours: the acknowledgment number is our keyed cookie + 1.
      if (get32(tcp + 8) != cookie(from, port) + 1) continue;
      const std::uint8_t flags = tcp[13];
      Outcome o;
      if ((flags & 0x12) == 0x12) {
        o = Outcome::open;
      } else if (flags & 0x04) {
        o = Outcome::closed;
      } else {
        continue;
      }
      const auto it = inflight_.find(pair_key(from, port));
      if (it == inflight_.end()) {
        if (o == Outcome::open) late_open(from, port);
        continue;
      }
      done(it->second, o);
    }
  }

  // drain() has just read every queued answer: what is still in flight is unanswered.
  Outcome last_look(std::uint32_t) { return Outcome::timeout; }

  void release(std::uint32_t slot, bool) {
    const auto it = inflight_.find(slots_[slot]);
    if (it != inflight_.end() && it->second == slot) inflight_.erase(it);
    slots_[slot] = kNoPair;
  }

 private:
  std::uint32_t cookie(Ipv4 address, std::uint16_t port) const {
    return static_cast<std::uint32_t>(mix(secret_ ^ pair_key(address, port)));
  }
  std::optional<Ipv4> source_for(Ipv4 address) {
    const auto it = sources_.find(address);
    if (it != sources_.end()) return it->second;
    // The kernel's own choice of source address for this destination (a UDP connect sends nothing).
    Fd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa = to_sockaddr(address, 9);
    socklen_t len = sizeof sa;
    std::optional<Ipv4> source;
    if (probe.get() >= 0 &&
        ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0 &&
        ::getsockname(probe.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
      source = ntohl(sa.sin_addr.s_addr);
    }
    sources_[address] = source;
    return source;
  }
  static void put16(std::uint8_t* p, std::uint16_t v) { p[0] = v >> 8, p[1] = v & 0xff; }
  static void put32(std::uint8_t* p, std::uint32_t v) {
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v));
  }
  static std::uint16_t get16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
  }
  static std::uint32_t get32(const std::uint8_t* p) {
    return (std::uint32_t{get16(p)} << 16) | get16(p + 2);
  }

  Fd epoll_, raw_, reserve_;
  std::uint16_t source_port_ = 0;
  std::uint64_t secret_ = 0;
  static constexpr std::uint64_t kNoPair = ~std::uint64_t{0};
  std::vector<std::uint64_t> slots_;  // the pair each slot has in flight
  std::unordered_map<std::uint64_t, std::uint32_t> inflight_;
  std::unordered_map<Ipv4, std::optional<Ipv4>> sources_;
};

}  // namespace

namespace {

// The sweep on several threads, each with its own backend (its own sockets, epoll set, raw socket
// and source port) and an interleaved share of the pairs. Each gets 1/n of every limit, so the sum
// never exceeds what the user allowed, per target included (a target's pairs are spread evenly).
// Why threads: the kernel's work per connect or SYN is the cost of a sweep, and one thread keeps
// one core busy; nmap is single-threaded.
template <typename Backend>
SweepResult run_threads(const SweepInput& in, std::size_t max_inflight) {
  const auto& o = *in.options;
  const std::size_t total = in.order->size();
  std::size_t n = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  if (total < 4096) n = 1;
  n = std::min<std::size_t>({n, max_inflight, std::max(1u, o.per_target_concurrency)});
  if (n <= 1) {
    Backend backend(max_inflight);
    return run_sweep(in, backend, max_inflight);
  }
  std::vector<ScanOptions> options(n, o);
  std::vector<std::vector<std::uint32_t>> orders(n);
  std::vector<SweepInput> inputs(n, in);
  std::vector<std::unique_ptr<Backend>> backends;
  std::vector<std::atomic<std::size_t>> probes(n), open(n);
  const std::size_t share = max_inflight / n;
  for (std::size_t k = 0; k < n; ++k) {
    options[k].concurrency = static_cast<unsigned>(share);
    options[k].per_target_concurrency =
        std::max(1u, o.per_target_concurrency / static_cast<unsigned>(n));
    options[k].rate = o.rate / static_cast<double>(n);
    options[k].per_target_rate = o.per_target_rate / static_cast<double>(n);
    orders[k].reserve(total / n + 1);
    for (std::size_t i = k; i < total; i += n) orders[k].push_back((*in.order)[i]);
    inputs[k].options = &options[k];
    inputs[k].order = &orders[k];
    inputs[k].progress = nullptr;
    if (in.progress) {
      inputs[k].progress = [&, k](std::size_t p, std::size_t f) {
        probes[k] = p;
        open[k] = f;
        if (k != 0) return;
        std::size_t sp = 0, sf = 0;
        for (std::size_t j = 0; j < n; ++j) sp += probes[j], sf += open[j];
        in.progress(sp, sf);
      };
    }
    backends.push_back(std::make_unique<Backend>(share));  // throws here, before anything is sent
  }
  std::vector<SweepResult> results(n);
  std::vector<std::exception_ptr> errors(n);
  {
    std::vector<std::jthread> threads;
    for (std::size_t k = 0; k < n; ++k) {
      threads.emplace_back([&, k] {
        try {
          results[k] = run_sweep(inputs[k], *backends[k], share);
        } catch (...) {
          errors[k] = std::current_exception();
        }
      });
    }
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  SweepResult merged;
  for (auto& r : results) {
    merged.open.insert(merged.open.end(), r.open.begin(), r.open.end());
    merged.probes += r.probes;
    merged.timeouts += r.timeouts;
    merged.stopped = merged.stopped || r.stopped;
  }
  std::sort(merged.open.begin(), merged.open.end(), [](const OpenPort& a, const OpenPort& b) {
    return std::tie(a.address, a.port) < std::tie(b.address, b.port);
  });
  if (in.progress) in.progress(merged.probes, merged.open.size());
  return merged;
}

}  // namespace

SweepResult connect_sweep(const SweepInput& in) {
  const std::size_t fds = raise_fd_limit();
  const std::size_t max_inflight =
      std::clamp<std::size_t>(std::max(1u, in.options->concurrency), 1, fds > 256 ? fds - 128 : 64);
  return run_threads<ConnectBackend>(in, max_inflight);
}

SweepResult syn_sweep(const SweepInput& in) {
  return run_threads<SynBackend>(in, std::max(1u, in.options->concurrency));
}

}  // namespace kensa::probe
