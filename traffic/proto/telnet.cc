// Telnet (RFC 854): log-in prompts from the server, what the client types after them.
#include <algorithm>
#include <cctype>

#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

constexpr std::size_t kMaxField = 128;
constexpr std::size_t kServerBudget = 64 * 1024;  // give up when no log-in shows in this much

class TelnetSession final : public Session {
 public:
  std::size_t stream(Context& ctx, Dir dir, Bytes data) override {
    if (dir == kToClient) count(ctx);
    for (std::uint8_t c : data) {
      if (!plain_byte(dir, c)) continue;
      if (dir == kToClient) {
        server_text(ctx, c);
      } else {
        client_key(ctx, c);
      }
    }
    if (dir == kToClient) {
      prompt();  // a prompt is what the server shows last before it waits for input
      seen_server_ += data.size();
      if (seen_server_ > kServerBudget && expect_ == Expect::nothing) wants[0] = wants[1] = false;
    }
    return data.size();
  }

  void end(Context& ctx) override {
    // A password typed without the final newline before the capture ended still counts.
    if (expect_ == Expect::password && !field_.empty()) report(ctx);
    if (!user_.empty() && !reported_)
      ctx.observer.credential(ctx, "telnet", "login", user_, "", "no password seen");
  }

 private:
  enum class Expect { nothing, user, password };

  // Strips IAC command sequences (option negotiation, subnegotiation); state spans segments.
  bool plain_byte(Dir dir, std::uint8_t c) {
    auto& st = iac_[dir];
    switch (st) {
      case 0:
        if (c == 255) {
          st = 1;
          return false;
        }
        return true;
      case 1:  // after IAC
        if (c == 255) {
          st = 0;
          return true;
        }
        st = c == 250 ? 3 : (c >= 251 && c <= 254) ? 2 : 0;
        return false;
      case 2:  // option byte of WILL/WONT/DO/DONT
        st = 0;
        return false;
      case 3:  // inside SB ... IAC SE
        if (c == 255) st = 4;
        return false;
      case 4:
        st = c == 240 ? 0 : 3;
        return false;
    }
    st = 0;
    return true;
  }

  void server_text(Context&, std::uint8_t c) {
    if (c == '\r' || c == '\n') {
      tail_.clear();
      return;
    }
    if (c < 0x20) return;
    tail_.push_back(static_cast<char>(std::tolower(c)));
    if (tail_.size() > 40) tail_.erase(0, tail_.size() - 40);
  }

  void prompt() {
    std::string_view t = tail_;
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    auto ends = [&](std::string_view s) {
      return t.size() >= s.size() && t.substr(t.size() - s.size()) == s;
    };
    if (ends("login:") || ends("username:") || ends("user:") || ends("user name:")) {
      if (expect_ != Expect::user) field_.clear();
      expect_ = Expect::user;
    } else if (ends("password:") || ends("passcode:")) {
      if (expect_ != Expect::password) field_.clear();
      expect_ = Expect::password;
    }
  }

  void client_key(Context& ctx, std::uint8_t c) {
    if (expect_ == Expect::nothing) return;
    if (c == '\r' || c == '\n' || c == 0) {
      if (field_.empty()) return;
      if (expect_ == Expect::user) {
        user_ = field_;
        reported_ = false;
        count(ctx);
      } else {
        report(ctx);
      }
      field_.clear();
      expect_ = Expect::nothing;
      return;
    }
    if (c == 0x7f || c == 0x08) {
      if (!field_.empty()) field_.pop_back();
      return;
    }
    if (field_.size() < kMaxField) field_.push_back(static_cast<char>(c));
  }

  void count(Context& ctx) {
    if (counted_) return;
    counted_ = true;
    ctx.observer.examined("traffic.telnet.credentials", "telnet connection");
    ctx.observer.cleartext_service(ctx, "telnet");
  }

  void report(Context& ctx) {
    count(ctx);
    ctx.observer.credential(ctx, "telnet", "login", user_, field_);
    reported_ = true;
    field_.clear();
  }

  std::uint8_t iac_[2] = {0, 0};
  Expect expect_ = Expect::nothing;
  std::string tail_, field_, user_;
  bool reported_ = false, counted_ = false;
  std::size_t seen_server_ = 0;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  const bool telnet_port = port_is(flow, {23, 2323});
  if (!telnet_port && (data.size() < 3 || data[0] != 255 || data[1] < 251)) return nullptr;
  return std::make_unique<TelnetSession>();
}

}  // namespace

extern const Dissector kTelnet{"telnet", Transport::tcp, &accept};

}  // namespace kensa::traffic
