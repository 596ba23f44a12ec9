// RTSP (cameras and NVRs): whether a stream is described without authentication, default
// credentials over Basic and Digest, and (intrusive) brute-force protection.
#include <cstdlib>

#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;

namespace {

constexpr std::size_t kRtspCap = 64 * 1024;

// Stream paths of common camera firmware (generic, Hikvision, Dahua, Axis, Foscam and others).
const std::vector<std::string>& stream_paths() {
  static const std::vector<std::string> paths = {"/",
                                                 "/live",
                                                 "/stream1",
                                                 "/h264",
                                                 "/11",
                                                 "/live.sdp",
                                                 "/media.amp",
                                                 "/videoMain",
                                                 "/cam/realmonitor",
                                                 "/Streaming/Channels/101",
                                                 "/ch0_0.h264",
                                                 "/axis-media/media.amp",
                                                 "/live/ch00_0",
                                                 "/onvif1",
                                                 "/unicast"};
  return paths;
}

// A complete RTSP response: the header block and Content-Length bytes of body.
wire::Parse rtsp_complete(std::string_view b) {
  const auto end = b.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return b.size() >= 5 && b.substr(0, 5) != "RTSP/" ? wire::Parse::bad : wire::Parse::need_more;
  }
  std::size_t length = 0;
  const std::string_view head = b.substr(0, end);
  for (std::size_t pos = 0; pos < head.size();) {
    std::size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    const std::string_view line = head.substr(pos, eol - pos);
    if (line.size() > 15 && contains_ci(line.substr(0, 15), "content-length:")) {
      length =
          static_cast<std::size_t>(std::strtoul(std::string(line.substr(15)).c_str(), nullptr, 10));
      length = std::min(length, kRtspCap);
    }
    pos = eol + 2;
  }
  return b.size() >= end + 4 + length ? wire::Parse::ok : wire::Parse::need_more;
}

class RtspSession {
 public:
  explicit RtspSession(std::unique_ptr<Conn> conn) : conn_(std::move(conn)) {}

  // One request; `uri` is the absolute rtsp:// URI.
  awaitable<HttpResult> request(CheckContext& ctx, const std::string& method,
                                const std::string& uri, const std::string& extra_headers) {
    HttpResult r;
    const auto start = Clock::now();
    const std::string text = method + " " + uri + " RTSP/1.0\r\nCSeq: " + std::to_string(++cseq_) +
                             "\r\nUser-Agent: kensa-probe\r\nAccept: application/sdp\r\n" +
                             extra_headers + "\r\n";
    r.io = co_await conn_->write(text, ctx.deadline);
    if (r.io != IoStatus::ok) co_return r;
    buffer_.clear();
    r.io = co_await conn_->read_until(buffer_, kRtspCap, ctx.deadline, rtsp_complete);
    if (r.io != IoStatus::ok) co_return r;
    if (wire::parse_http_response(buffer_, true, kRtspCap, r.response) != wire::Parse::ok)
      r.io = IoStatus::error;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    co_return r;
  }

 private:
  std::unique_ptr<Conn> conn_;
  std::string buffer_;
  int cseq_ = 0;
};

std::string uri_of(CheckContext& ctx, const std::string& path) {
  return "rtsp://" + ctx.target() + ":" + std::to_string(ctx.port.port) + path;
}

// The challenge to answer: Basic when offered (it is what a camera's clients fall back to), else
// the first one.
std::string pick_challenge(const wire::HttpResponse& r) {
  auto [from, to] = r.headers.equal_range("www-authenticate");
  std::string first;
  for (auto it = from; it != to; ++it) {
    if (first.empty()) first = it->second;
    if (contains_ci(it->second.substr(0, 6), "basic")) return it->second;
  }
  return first;
}

struct Protected {
  std::string path;
  std::string challenge;
};

// DESCRIBE without credentials on the stream paths: the first that answers 401 (or 200) decides.
awaitable<std::optional<Protected>> find_stream(CheckContext& ctx, bool report) {
  auto conn = co_await ctx.open();
  if (!conn) co_return std::nullopt;
  RtspSession s(std::move(conn));
  HttpResult options = co_await s.request(ctx, "OPTIONS", uri_of(ctx, "/"), "");
  if (options.io != IoStatus::ok) {
    ctx.incomplete(options.io, "RTSP OPTIONS");
    co_return std::nullopt;
  }
  if (report) {
    const std::string server = options.response.header("server");
    if (!server.empty()) report_disclosure(ctx, server, "RTSP Server header", false);
  }
  std::string tried;
  for (const auto& path : stream_paths()) {
    if (ctx.expired()) {
      ctx.incomplete(evidence::CheckStatus::timeout, "time budget spent at " + path);
      co_return std::nullopt;
    }
    HttpResult r = co_await s.request(ctx, "DESCRIBE", uri_of(ctx, path), "");
    if (r.io != IoStatus::ok) {
      // Some servers close after a 404: go on with a new connection.
      auto again = co_await ctx.open();
      if (!again) co_return std::nullopt;
      s = RtspSession(std::move(again));
      r = co_await s.request(ctx, "DESCRIBE", uri_of(ctx, path), "");
      if (r.io != IoStatus::ok) {
        ctx.incomplete(r.io, "RTSP DESCRIBE " + path);
        co_return std::nullopt;
      }
    }
    tried += (tried.empty() ? "" : ", ") + path + " " + std::to_string(r.response.status);
    if (r.response.status == 401) co_return Protected{path, pick_challenge(r.response)};
    if (r.response.status == 200) {
      if (report) {
        auto& f = ctx.add(
            "no-authentication", "RTSP stream " + path + " is described without authentication",
            "DESCRIBE " + uri_of(ctx, path) + " → 200: " + wire::printable(r.response.body, 160),
            {{"path", path}});
        f.path = path;
      }
      co_return Protected{path, ""};
    }
  }
  ctx.note("no stream path answered 200 or 401 (" + tried + ")");
  co_return std::nullopt;
}

// DESCRIBE without, then with, credentials on one connection (the 401 gives the nonce).
awaitable<Attempt> rtsp_login(CheckContext& ctx, const Protected& stream, const std::string& user,
                              const std::string& password) {
  Attempt a;
  const auto start = Clock::now();
  auto conn = co_await ctx.open();
  if (!conn) {
    a.io = IoStatus::error;
    co_return a;
  }
  RtspSession s(std::move(conn));
  const std::string uri = uri_of(ctx, stream.path);
  HttpResult challenge = co_await s.request(ctx, "DESCRIBE", uri, "");
  a.io = challenge.io;
  if (a.io != IoStatus::ok) co_return a;
  std::string header = pick_challenge(challenge.response);
  if (header.empty()) header = stream.challenge;
  HttpResult r = co_await s.request(ctx, "DESCRIBE", uri,
                                    http_authorization(header, "DESCRIBE", uri, user, password));
  a.io = r.io;
  if (a.io == IoStatus::eof) {
    a.io = IoStatus::ok;
    a.outcome = Outcome::rejected;  // hung up after the failure
  } else if (a.io == IoStatus::ok) {
    const int status = r.response.status;
    a.outcome = status == 200                    ? Outcome::accepted
                : status == 403 || status == 429 ? Outcome::locked
                : status == 401                  ? Outcome::rejected
                                                 : Outcome::error;
  }
  a.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  co_return a;
}

awaitable<void> rtsp_default_credential(CheckContext& ctx) {
  auto stream = co_await find_stream(ctx, true);
  if (!stream) co_return;
  if (stream->challenge.empty()) {
    ctx.port.accepted_credential = std::pair<std::string, std::string>{"", ""};
    co_return;  // no authentication at all: reported above
  }
  const Protected target = *stream;
  const auto& dict = ctx.scanner.dictionary();
  bool found = false, locked = false;
  std::size_t tried = 0;
  std::string scheme = wire::parse_auth_params(target.challenge)["scheme"];
  co_await parallel_for(ctx, dict.size(), 4, [&](std::size_t i) -> awaitable<bool> {
    const auto& c = dict[i];
    Attempt a = co_await rtsp_login(ctx, target, c.user, c.password);
    ++tried;
    if (a.outcome == Outcome::error) co_return false;
    if (found) co_return false;
    if (a.outcome == Outcome::locked) {
      locked = true;
      co_return false;
    }
    if (a.outcome == Outcome::accepted) {
      found = true;
      auto& f = ctx.add(c.password.empty() ? "empty-password" : "default-credential",
                        "RTSP " + scheme + " login on " + target.path + " accepts the default " +
                            c.user + "/" + mask(c.password),
                        "DESCRIBE " + uri_of(ctx, target.path) + " with the pair → 200",
                        {{"user", c.user},
                         {"password_masked", mask(c.password)},
                         {"source", c.source},
                         {"path", target.path},
                         {"scheme", scheme}});
      f.path = target.path;
      ctx.port.accepted_credential = std::pair{c.user, c.password};
      co_return false;
    }
    co_return true;
  });
  if (found) co_return;
  if (locked) {
    report_protection(ctx, "RTSP",
                      "refused (403/429) after " + std::to_string(tried) + " dictionary pairs");
    ctx.incomplete(evidence::CheckStatus::error,
                   "server started refusing after " + std::to_string(tried) + " pairs; stopped");
  } else if (ctx.status == evidence::CheckStatus::completed && tried < dict.size()) {
    ctx.incomplete(evidence::CheckStatus::timeout,
                   "time budget spent after " + std::to_string(tried) + " pairs");
  } else if (ctx.status == evidence::CheckStatus::completed) {
    ctx.note("no dictionary pair accepted on " + target.path + " (" + std::to_string(tried) +
             " tried)");
  }
}

awaitable<void> rtsp_bruteforce(CheckContext& ctx) {
  auto stream = co_await find_stream(ctx, false);
  if (!stream) co_return;
  if (stream->challenge.empty()) {
    ctx.note("the stream needs no authentication: nothing to guess");
    co_return;
  }
  const Protected target = *stream;
  co_await bruteforce_test(ctx, "RTSP",
                           [&](const std::string& u, const std::string& p) -> awaitable<Attempt> {
                             co_return co_await rtsp_login(ctx, target, u, p);
                           });
}

}  // namespace

std::vector<Check> rtsp_checks() {
  return {
      {{"probe.rtsp.default-credential",
        "RTSP stream authentication and default credentials",
        "rtsp",
        Safety::safe,
        40s,
        {"no-authentication", "default-credential", "empty-password", "info-disclosure",
         "component-identified", "observed-bruteforce-protection"},
        {"en303645:5.1-1", "en303645:5.5-5", "jcstar1:S1.1-01"},
        "DESCRIBE on the stream paths of common cameras: 200 without credentials is "
        "no-authentication; on the first path that answers 401, each dictionary pair over the "
        "offered scheme (Basic, else Digest), four at a time; stops on 403/429."},
       &rtsp_default_credential},
      {{"probe.rtsp.bruteforce",
        "RTSP brute-force protection",
        "rtsp",
        Safety::intrusive,
        30s,
        {"no-bruteforce-protection", "observed-bruteforce-protection"},
        {"en303645:5.1-5", "jcstar1:S1.1-04"},
        "Ten failed DESCRIBE logins, timed, for the account found; then the right password must "
        "still work for no-bruteforce-protection."},
       &rtsp_bruteforce},
  };
}

}  // namespace kensa::probe
