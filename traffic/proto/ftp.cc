// FTP control connection (RFC 959): USER/PASS, the server's replies and AUTH TLS.
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

constexpr std::size_t kMaxLine = 2048;

class FtpSession final : public Session {
 public:
  std::size_t stream(Context& ctx, Dir dir, Bytes data) override {
    const std::string_view text = as_text(data);
    const auto eol = text.find('\n');
    if (eol == std::string_view::npos) {
      if (text.size() > kMaxLine) wants[dir] = false;  // not a line protocol after all
      return 0;
    }
    std::string_view line = text.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (dir == kToServer) {
      client_line(ctx, line);
    } else {
      server_line(ctx, line);
    }
    return eol + 1;
  }

  void end(Context& ctx) override { flush(ctx, ""); }

 private:
  void client_line(Context& ctx, std::string_view line) {
    if (starts_with_nocase(line, "USER ")) {
      flush(ctx, "");
      user_ = std::string(line.substr(5));
      have_user_ = true;
      ctx.observer.examined("traffic.ftp.credentials", "ftp login");
    } else if (starts_with_nocase(line, "PASS")) {
      password_ = line.size() > 5 ? std::string(line.substr(5)) : std::string();
      have_pass_ = true;
      if (!have_user_) ctx.observer.examined("traffic.ftp.credentials", "ftp login");
    } else if (starts_with_nocase(line, "AUTH TLS") || starts_with_nocase(line, "AUTH SSL")) {
      tls_requested_ = true;
    }
  }

  void server_line(Context& ctx, std::string_view line) {
    if (line.size() < 4 || line[3] != ' ') return;  // continuation lines of multi-line replies
    const std::string_view code = line.substr(0, 3);
    if (!banner_seen_ && code == "220") {
      banner_seen_ = true;
      ctx.observer.device_attribute(ctx.flow.server, nullptr, "ftp_banner", line.substr(4));
      ctx.observer.cleartext_service(ctx, "ftp");
    } else if (tls_requested_ && code == "234") {
      wants[0] = wants[1] = false;  // the rest is TLS
    } else if (have_pass_ && (code == "230" || code == "530")) {
      flush(ctx, code == "230" ? "login accepted (230)" : "login refused (530)");
    }
  }

  void flush(Context& ctx, std::string_view outcome) {
    if (!have_user_ && !have_pass_) return;
    const bool anonymous = user_ == "anonymous" || user_ == "ftp";
    if (anonymous) {
      ctx.observer.ftp_anonymous(ctx, outcome.starts_with("login accepted"));
    }
    if (have_pass_ || !anonymous) {
      ctx.observer.credential(ctx, "ftp", "USER/PASS", user_, password_, outcome);
    }
    have_user_ = have_pass_ = false;
    user_.clear();
    password_.clear();
  }

  std::string user_, password_;
  bool have_user_ = false, have_pass_ = false, banner_seen_ = false, tls_requested_ = false;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir dir, Bytes data) {
  const std::string_view text = as_text(data);
  const bool looks = dir == kToClient
                         ? text.starts_with("220")
                         : (starts_with_nocase(text, "USER ") || starts_with_nocase(text, "AUTH "));
  if (!port_is(flow, {21}) && !(looks && dir == kToServer)) return nullptr;
  if (port_is(flow, {21}) || looks) return std::make_unique<FtpSession>();
  return nullptr;
}

}  // namespace

extern const Dissector kFtp{"ftp", Transport::tcp, &accept};

}  // namespace kensa::traffic
