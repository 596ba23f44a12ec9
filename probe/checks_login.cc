// Login checks over Telnet, FTP and MQTT: default credentials from the dictionary, anonymous
// access, and (intrusive) whether repeated failures are slowed or locked.
#include <algorithm>
#include <random>

#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;

namespace {

bool any_ci(std::string_view hay, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(), [&](auto n) { return contains_ci(hay, n); });
}

// ---- Telnet ----

constexpr std::size_t kTelnetTextCap = 16 * 1024;
constexpr std::size_t kTelnetMaxNegotiations = 200;

class TelnetSession {
 public:
  explicit TelnetSession(std::unique_ptr<Conn> c) : conn_(std::move(c)) {}

  // Reads until `done(text)` is true. The text since the last send() is kept.
  template <typename Done>
  awaitable<IoStatus> wait(Clock::time_point deadline, Done done) {
    while (!done(text)) {
      std::string raw;
      IoStatus s = co_await conn_->read_some(raw, 4096, deadline);
      if (s != IoStatus::ok) co_return s;
      std::string replies;
      wire::telnet_feed(state_, raw, text, replies);
      if (state_.negotiations > kTelnetMaxNegotiations || state_.subnegotiation_bytes > 4096) {
        loop = true;
        co_return IoStatus::limit;
      }
      if (!replies.empty()) {
        s = co_await conn_->write(replies, deadline);
        if (s != IoStatus::ok) co_return s;
      }
      if (text.size() > kTelnetTextCap) co_return IoStatus::limit;
    }
    co_return IoStatus::ok;
  }
  awaitable<IoStatus> send(std::string_view line, Clock::time_point deadline) {
    text.clear();
    co_return co_await conn_->write(std::string(line) + "\r\n", deadline);
  }

  std::string text;
  std::string transcript_head;  // what the device said before the first login prompt
  bool loop = false;

 private:
  std::unique_ptr<Conn> conn_;
  wire::TelnetState state_;
};

bool user_prompt(std::string_view t) {
  return any_ci(t, {"login:", "username:", "user name:", "user:"});
}
bool password_prompt(std::string_view t) { return contains_ci(t, "password:"); }
bool shell_prompt(std::string_view t) {
  std::string_view s = t;
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return !s.empty() && (s.back() == '#' || s.back() == '$' || s.back() == '>' || s.back() == '%');
}

// One login on a session that shows a user prompt. Leaves the session at the next prompt.
awaitable<Attempt> telnet_login(TelnetSession& t, const std::string& user,
                                const std::string& password, Clock::time_point deadline) {
  Attempt a;
  const auto start = Clock::now();
  a.io = co_await t.send(user, deadline);
  if (a.io == IoStatus::ok) {
    a.io = co_await t.wait(
        deadline, [](std::string_view s) { return password_prompt(s) || shell_prompt(s); });
  }
  if (a.io == IoStatus::ok && !password_prompt(t.text) && shell_prompt(t.text)) {
    a.outcome = Outcome::accepted;  // no password asked at all
  } else if (a.io == IoStatus::ok) {
    a.io = co_await t.send(password, deadline);
    if (a.io == IoStatus::ok) {
      a.io = co_await t.wait(deadline, [](std::string_view s) {
        return user_prompt(s) || lockout_words(s) || shell_prompt(s) ||
               any_ci(s, {"incorrect", "failed", "denied", "invalid"});
      });
    }
    if (a.io == IoStatus::ok) {
      if (lockout_words(t.text)) {
        a.outcome = Outcome::locked;
      } else if (user_prompt(t.text) ||
                 any_ci(t.text, {"incorrect", "failed", "denied", "invalid"})) {
        a.outcome = Outcome::rejected;
      } else {
        a.outcome = Outcome::accepted;
      }
    }
  }
  if (a.io == IoStatus::eof) a.outcome = Outcome::closed;
  a.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  co_return a;
}

// Opens a session and waits for the first user prompt.
awaitable<std::unique_ptr<TelnetSession>> telnet_open(CheckContext& ctx) {
  auto conn = co_await ctx.open();
  if (!conn) co_return nullptr;
  auto t = std::make_unique<TelnetSession>(std::move(conn));
  const IoStatus s = co_await t->wait(
      ctx.deadline, [](std::string_view x) { return user_prompt(x) || shell_prompt(x); });
  if (s != IoStatus::ok) {
    ctx.incomplete(s, pick(t->loop,
                           "telnet option negotiation did not end (more than " +
                               std::to_string(kTelnetMaxNegotiations) + " options)",
                           "waiting for the telnet login prompt"));
    co_return nullptr;
  }
  t->transcript_head = t->text;
  co_return t;
}

awaitable<void> telnet_default_credential(CheckContext& ctx) {
  const auto& dict = ctx.scanner.dictionary();
  auto t = co_await telnet_open(ctx);
  if (!t) co_return;
  report_disclosure(ctx, t->transcript_head, "telnet pre-login banner", false);
  if (!user_prompt(t->text) && shell_prompt(t->text)) {
    ctx.add("no-authentication", "Telnet gives a shell without a login",
            wire::printable(t->text, 200));
    ctx.port.accepted_credential = std::pair<std::string, std::string>{"", ""};
    co_return;
  }
  std::size_t tried = 0;
  for (const auto& c : dict) {
    if (ctx.expired()) {
      ctx.incomplete(evidence::CheckStatus::timeout, "time budget spent after " +
                                                         std::to_string(tried) + " of " +
                                                         std::to_string(dict.size()) + " pairs");
      co_return;
    }
    if (!t) {
      t = co_await telnet_open(ctx);
      if (!t) {
        ctx.detail +=
            " (after " + std::to_string(tried) + " pairs; refusing connections may be a lockout)";
        co_return;
      }
    }
    Attempt a = co_await telnet_login(*t, c.user, c.password, ctx.deadline);
    ++tried;
    if (a.outcome == Outcome::accepted) {
      const bool empty = c.password.empty();
      ctx.add(empty ? "empty-password" : "default-credential",
              "Telnet accepts the default login " + c.user + "/" + mask(c.password),
              "after the password the device answered: " + wire::printable(t->text, 160),
              {{"user", c.user},
               {"password_masked", mask(c.password)},
               {"source", c.source},
               {"tried", tried}});
      ctx.port.accepted_credential = std::pair{c.user, c.password};
      co_return;
    }
    if (a.outcome == Outcome::locked) {
      report_protection(ctx, "Telnet",
                        "lockout after " + std::to_string(tried) +
                            " dictionary pairs: " + wire::printable(t->text, 80));
      ctx.incomplete(evidence::CheckStatus::error, "lockout signalled after " +
                                                       std::to_string(tried) + " pairs (" +
                                                       wire::printable(t->text, 80) + "); stopped");
      co_return;
    }
    if (a.outcome == Outcome::closed || a.outcome == Outcome::error || !user_prompt(t->text)) {
      if (a.io != IoStatus::ok && a.io != IoStatus::eof) {
        ctx.incomplete(a.io, "telnet login exchange after " + std::to_string(tried) + " pairs");
        co_return;
      }
      t.reset();  // the device hangs up after a few tries: reconnect
    }
    if (a.seconds > 2.0)
      co_await sleep_until(Clock::now() + std::chrono::milliseconds(500));  // back off
  }
  ctx.note("no dictionary pair accepted (" + std::to_string(tried) + " tried)");
}

awaitable<void> telnet_bruteforce(CheckContext& ctx) {
  std::unique_ptr<TelnetSession> t;
  co_await bruteforce_test(
      ctx, "Telnet", [&](const std::string& u, const std::string& p) -> awaitable<Attempt> {
        if (!t || !user_prompt(t->text)) {
          t = co_await telnet_open(ctx);
          if (!t) co_return Attempt{Outcome::error, IoStatus::error, 0};
        }
        Attempt a = co_await telnet_login(*t, u, p, ctx.deadline);
        if (a.outcome == Outcome::closed) {
          a.outcome =
              Outcome::rejected;  // hung up after the failure: counts as a rejection, reconnect
          t.reset();
        }
        co_return a;
      });
}

// ---- FTP ----

constexpr std::size_t kFtpReplyCap = 16 * 1024;

struct FtpSession {
  std::unique_ptr<Conn> conn;
  std::string buffer;
  wire::Reply reply;
};

awaitable<IoStatus> ftp_reply(FtpSession& f, Clock::time_point deadline) {
  std::size_t consumed = 0;
  IoStatus s = co_await f.conn->read_until(
      f.buffer, kFtpReplyCap, deadline,
      [&](std::string_view b) { return wire::parse_reply(b, f.reply, consumed); });
  if (s == IoStatus::ok) f.buffer.erase(0, consumed);
  co_return s;
}

awaitable<std::unique_ptr<FtpSession>> ftp_open(CheckContext& ctx) {
  auto conn = co_await ctx.open();
  if (!conn) co_return nullptr;
  auto f = std::make_unique<FtpSession>();
  f->conn = std::move(conn);
  IoStatus s = co_await ftp_reply(*f, ctx.deadline);
  if (s != IoStatus::ok || f->reply.code != 220) {
    ctx.incomplete(
        s == IoStatus::ok ? IoStatus::error : s,
        "FTP greeting" + pick(s == IoStatus::limit, " (more than 16 KiB without an end)", ""));
    co_return nullptr;
  }
  co_return f;
}

awaitable<Attempt> ftp_login(FtpSession& f, const std::string& user, const std::string& password,
                             Clock::time_point deadline, bool* user_refused = nullptr) {
  Attempt a;
  const auto start = Clock::now();
  a.io = co_await f.conn->write("USER " + user + "\r\n", deadline);
  if (a.io == IoStatus::ok) a.io = co_await ftp_reply(f, deadline);
  if (a.io == IoStatus::ok && f.reply.code == 230) {
    a.outcome = Outcome::accepted;
  } else if (a.io == IoStatus::ok && f.reply.code == 331) {
    a.io = co_await f.conn->write("PASS " + password + "\r\n", deadline);
    if (a.io == IoStatus::ok) a.io = co_await ftp_reply(f, deadline);
    if (a.io == IoStatus::ok) {
      a.outcome = f.reply.code == 230                                  ? Outcome::accepted
                  : lockout_words(f.reply.text) || f.reply.code == 421 ? Outcome::locked
                                                                       : Outcome::rejected;
    }
  } else if (a.io == IoStatus::ok) {
    a.outcome = f.reply.code == 421 ? Outcome::locked : Outcome::rejected;
    if (user_refused && f.reply.code == 530) *user_refused = true;
  }
  if (a.io == IoStatus::eof) a.outcome = Outcome::closed;
  a.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  co_return a;
}

awaitable<void> ftp_anonymous(CheckContext& ctx) {
  auto f = co_await ftp_open(ctx);
  if (!f) co_return;
  report_disclosure(ctx, f->reply.text, "FTP greeting", false);
  Attempt a = co_await ftp_login(*f, "anonymous", "kensa@example.invalid", ctx.deadline);
  if (a.io != IoStatus::ok && a.io != IoStatus::eof) {
    ctx.incomplete(a.io, "FTP anonymous login");
    co_return;
  }
  if (a.outcome != Outcome::accepted) {
    ctx.note("anonymous login refused: " + wire::printable(f->reply.text, 80));
    co_return;
  }
  nlohmann::json ev = {{"reply", wire::printable(f->reply.text, 120)}};
  // What the anonymous user can see: the working directory (no data connection is opened).
  if (co_await f->conn->write("PWD\r\n", ctx.deadline) == IoStatus::ok &&
      co_await ftp_reply(*f, ctx.deadline) == IoStatus::ok) {
    ev["pwd"] = wire::printable(f->reply.text, 120);
  }
  ctx.add("ftp-anonymous", "FTP accepts anonymous login",
          "USER anonymous → 230: " + ev["reply"].get<std::string>(), ev);
  co_await f->conn->write("QUIT\r\n", ctx.deadline);
}

awaitable<void> ftp_default_credential(CheckContext& ctx) {
  const auto& dict = ctx.scanner.dictionary();
  std::set<std::string> refused_users;
  std::unique_ptr<FtpSession> f;
  std::size_t tried = 0;
  for (const auto& c : dict) {
    std::string lower_user = c.user;
    for (auto& ch : lower_user)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower_user == "anonymous" || lower_user == "ftp" || refused_users.count(c.user)) continue;
    if (ctx.expired()) {
      ctx.incomplete(evidence::CheckStatus::timeout,
                     "time budget spent after " + std::to_string(tried) + " pairs");
      co_return;
    }
    if (!f) {
      f = co_await ftp_open(ctx);
      if (!f) co_return;
    }
    bool user_refused = false;
    Attempt a = co_await ftp_login(*f, c.user, c.password, ctx.deadline, &user_refused);
    ++tried;
    if (a.outcome == Outcome::accepted) {
      ctx.add(c.password.empty() ? "empty-password" : "default-credential",
              "FTP accepts the default login " + c.user + "/" + mask(c.password),
              wire::printable(f->reply.text, 120),
              {{"user", c.user}, {"password_masked", mask(c.password)}, {"source", c.source}});
      ctx.port.accepted_credential = std::pair{c.user, c.password};
      co_return;
    }
    if (a.outcome == Outcome::locked) {
      report_protection(ctx, "FTP",
                        "lockout after " + std::to_string(tried) +
                            " dictionary pairs: " + wire::printable(f->reply.text, 80));
      ctx.incomplete(evidence::CheckStatus::error,
                     "lockout signalled after " + std::to_string(tried) +
                         " pairs: " + wire::printable(f->reply.text, 80));
      co_return;
    }
    if (user_refused)
      refused_users.insert(c.user);  // "530 anonymous only" etc.: no password will help
    if (a.outcome != Outcome::rejected) {
      if (a.io != IoStatus::ok && a.io != IoStatus::eof) {
        ctx.incomplete(a.io, "FTP login after " + std::to_string(tried) + " pairs");
        co_return;
      }
      f.reset();
    }
  }
  ctx.note("no dictionary pair accepted (" + std::to_string(tried) + " tried, " +
           std::to_string(refused_users.size()) + " user names refused outright)");
}

// ---- MQTT ----

constexpr std::uint32_t kMqttMaxPacket = 256 * 1024;

struct MqttRead {
  IoStatus io = IoStatus::ok;
  wire::MqttPacket header;
  std::string body;
};

awaitable<MqttRead> mqtt_packet(Conn& conn, std::string& buffer, Clock::time_point deadline,
                                std::uint32_t max_remaining) {
  MqttRead r;
  wire::Parse p = wire::Parse::need_more;
  r.io = co_await conn.read_until(buffer, 16, deadline, [&](std::string_view b) {
    p = wire::parse_mqtt_header(b, max_remaining, r.header);
    return p;
  });
  if (r.io == IoStatus::limit && p == wire::Parse::need_more) r.io = IoStatus::error;
  if (r.io != IoStatus::ok) co_return r;
  const std::size_t total = r.header.header_length + r.header.remaining;
  r.io = co_await conn.read_until(buffer, total, deadline, [&](std::string_view b) {
    return b.size() >= total ? wire::Parse::ok : wire::Parse::need_more;
  });
  if (r.io == IoStatus::limit) r.io = IoStatus::ok;
  if (r.io != IoStatus::ok) co_return r;
  r.body = buffer.substr(r.header.header_length, r.header.remaining);
  buffer.erase(0, total);
  co_return r;
}

// CONNECT and CONNACK; returns the return code, or -1 with ctx status set.
awaitable<int> mqtt_connect(CheckContext& ctx, Conn& conn, std::string& buffer,
                            const std::string* user, const std::string* password) {
  // Built before the co_await: GCC 12 miscompiles conditional temporaries inside co_await operands.
  const std::string no_credential;
  const std::string connect = wire::mqtt_connect(
      "kensa-" + std::to_string(ctx.port.address % 100000), user ? *user : no_credential,
      password ? *password : no_credential, user != nullptr);
  IoStatus s = co_await conn.write(connect, ctx.deadline);
  if (s != IoStatus::ok) {
    ctx.incomplete(s, "MQTT CONNECT");
    co_return -1;
  }
  MqttRead r = co_await mqtt_packet(conn, buffer, ctx.deadline, 2);
  if (r.io != IoStatus::ok) {
    wire::MqttPacket h;
    const bool huge =
        wire::parse_mqtt_header(buffer, 0xfffffff, h) == wire::Parse::ok && h.remaining > 2;
    ctx.incomplete(r.io, pick(huge,
                              "CONNACK announced remaining length " + std::to_string(h.remaining) +
                                  " (a CONNACK has 2); refused to read it",
                              "MQTT CONNACK"));
    co_return -1;
  }
  if (r.header.type != 2 || r.body.size() != 2) {
    ctx.incomplete(evidence::CheckStatus::error, "not a CONNACK: " + wire::printable(r.body, 40));
    co_return -1;
  }
  co_return static_cast<unsigned char>(r.body[1]);
}

bool secret_like(std::string_view s) {
  return any_ci(s,
                {"psk", "password", "passwd", "secret", "token", "apikey", "api_key", "private"});
}

awaitable<void> mqtt_anonymous(CheckContext& ctx) {
  auto conn = co_await ctx.open();
  if (!conn) co_return;
  std::string buffer;
  const int rc = co_await mqtt_connect(ctx, *conn, buffer, nullptr, nullptr);
  if (rc < 0) co_return;
  if (rc != 0) {
    ctx.note("anonymous CONNECT refused (CONNACK return code " + std::to_string(rc) + ")");
    co_return;
  }
  auto& f = ctx.add("mqtt-anonymous", "MQTT broker accepts anonymous clients",
                    "CONNECT without credentials → CONNACK 0");
  ctx.port.accepted_credential = std::pair<std::string, std::string>{"", ""};
  // Subscribe to everything and listen briefly: what an anonymous client can read.
  const std::vector<std::string> everything = {"#", "$SYS/#"};
  const std::string subscribe = wire::mqtt_subscribe(1, everything);
  if (co_await conn->write(subscribe, ctx.deadline) != IoStatus::ok) co_return;
  const auto listen_end = std::min(ctx.deadline - 200ms, Clock::now() + 1500ms);
  std::vector<std::string> topics;
  std::vector<std::pair<std::string, std::string>> secrets;
  std::string version;
  bool suback = false;
  std::size_t messages = 0;
  while (Clock::now() < listen_end && messages < 512) {
    MqttRead r = co_await mqtt_packet(*conn, buffer, listen_end, kMqttMaxPacket);
    if (r.io != IoStatus::ok) break;
    if (r.header.type == 9) suback = true;
    if (r.header.type != 3) continue;
    ++messages;
    wire::MqttPublish pub;
    if (!wire::parse_mqtt_publish(r.header.flags, r.body, pub)) continue;
    if (topics.size() < 64) topics.push_back(pub.topic);
    if (pub.topic == "$SYS/broker/version") version = pub.payload.substr(0, 80);
    if (pub.topic.rfind("$SYS", 0) != 0 && (secret_like(pub.payload) || secret_like(pub.topic)) &&
        secrets.size() < 8) {
      secrets.emplace_back(pub.topic, wire::printable(pub.payload, 60));
    }
  }
  f.evidence = {{"subscribed", suback}, {"topics", topics}, {"messages", messages}};
  if (suback) {
    f.evidence_text +=
        "; SUBSCRIBE to # and $SYS/# granted, " + std::to_string(messages) + " messages in 1.5 s";
  }
  if (!version.empty()) report_disclosure(ctx, version, "MQTT $SYS/broker/version", false);
  for (const auto& [topic, payload] : secrets) {
    auto& d = ctx.add("info-disclosure", "Anonymous MQTT subscriber reads secrets on " + topic,
                      payload, {{"topic", topic}});
    d.path = topic;
  }
  co_await conn->write(wire::mqtt_disconnect(), ctx.deadline);
}

awaitable<void> mqtt_default_credential(CheckContext& ctx) {
  const auto& dict = ctx.scanner.dictionary();
  if (ctx.port.accepted_credential) {
    ctx.note(
        "the broker accepts anonymous clients; any credential is accepted, none is a finding of "
        "its own");
    co_return;
  }
  bool found = false;
  std::size_t tried = 0;
  std::string first_error;
  co_await parallel_for(ctx, dict.size(), 8, [&](std::size_t i) -> awaitable<bool> {
    const auto& c = dict[i];
    if (c.user.empty()) co_return true;
    auto conn = co_await ctx.open();
    if (!conn) co_return false;
    std::string buffer;
    const int rc = co_await mqtt_connect(ctx, *conn, buffer, &c.user, &c.password);
    ++tried;
    if (rc < 0) co_return false;
    if (rc == 0 && !found) {
      found = true;
      ctx.add("default-credential",
              "MQTT broker accepts the default login " + c.user + "/" + mask(c.password),
              "CONNECT with dictionary credentials → CONNACK 0",
              {{"user", c.user}, {"password_masked", mask(c.password)}, {"source", c.source}});
      ctx.port.accepted_credential = std::pair{c.user, c.password};
      co_return false;
    }
    co_await conn->write(wire::mqtt_disconnect(), ctx.deadline);
    co_return true;
  });
  if (!found && ctx.status == evidence::CheckStatus::completed) {
    if (tried < dict.size() && ctx.expired()) {
      ctx.incomplete(evidence::CheckStatus::timeout,
                     "time budget spent after " + std::to_string(tried) + " pairs");
    } else {
      ctx.note("no dictionary pair accepted (" + std::to_string(tried) + " tried)");
    }
  }
}

awaitable<void> ftp_bruteforce(CheckContext& ctx) {
  std::unique_ptr<FtpSession> f;
  co_await bruteforce_test(ctx, "FTP",
                           [&](const std::string& u, const std::string& p) -> awaitable<Attempt> {
                             if (!f) {
                               f = co_await ftp_open(ctx);
                               if (!f) co_return Attempt{Outcome::error, IoStatus::error, 0};
                             }
                             Attempt a = co_await ftp_login(*f, u, p, ctx.deadline);
                             if (a.outcome == Outcome::closed || a.outcome == Outcome::accepted)
                               f.reset();
                             if (a.outcome == Outcome::closed)
                               a.outcome = Outcome::rejected;  // hung up: reconnect
                             co_return a;
                           });
}

awaitable<void> mqtt_bruteforce(CheckContext& ctx) {
  if (ctx.port.accepted_credential && ctx.port.accepted_credential->first.empty()) {
    ctx.note("the broker accepts anonymous clients: there is no login to protect");
    co_return;
  }
  co_await bruteforce_test(
      ctx, "MQTT", [&](const std::string& u, const std::string& p) -> awaitable<Attempt> {
        Attempt a;
        const auto start = Clock::now();
        auto conn = co_await ctx.open();
        if (!conn) co_return Attempt{Outcome::error, IoStatus::error, 0};
        std::string buffer;
        const int rc = co_await mqtt_connect(ctx, *conn, buffer, &u, &p);
        a.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (rc < 0) {
          a.io = IoStatus::error;
          co_return a;
        }
        // 4 bad user name or password, 5 not authorised; 3 server unavailable may be a lockout.
        a.outcome = rc == 0 ? Outcome::accepted : rc == 3 ? Outcome::locked : Outcome::rejected;
        co_await conn->write(wire::mqtt_disconnect(), ctx.deadline);
        co_return a;
      });
}

}  // namespace

std::vector<Check> login_checks() {
  return {
      {{"probe.telnet.default-credential",
        "Telnet default credentials",
        "telnet",
        Safety::safe,
        40s,
        {"default-credential", "empty-password", "no-authentication", "info-disclosure",
         "component-identified", "observed-bruteforce-protection"},
        {"en303645:5.1-1", "jcstar1:S1.1-01"},
        "Logs in over Telnet with each dictionary pair (reconnecting when the device hangs up), "
        "stops on lockout "
        "messages; a shell without login is no-authentication."},
       &telnet_default_credential},
      {{"probe.telnet.bruteforce",
        "Telnet brute-force protection",
        "telnet",
        Safety::intrusive,
        30s,
        {"no-bruteforce-protection", "observed-bruteforce-protection"},
        {"en303645:5.1-5", "jcstar1:S1.1-04"},
        "Ten failed logins, timed; if they are not slowed or locked and the known password still "
        "works, repeated guessing is unprotected."},
       &telnet_bruteforce},
      {{"probe.ftp.anonymous",
        "FTP anonymous login",
        "ftp",
        Safety::safe,
        8s,
        {"ftp-anonymous", "info-disclosure", "component-identified"},
        {"en303645:5.5-4"},
        "USER anonymous; a 230 reply means anyone can read the FTP tree."},
       &ftp_anonymous},
      {{"probe.ftp.default-credential",
        "FTP default credentials",
        "ftp",
        Safety::safe,
        40s,
        {"default-credential", "empty-password"},
        {"en303645:5.1-1"},
        "USER/PASS with each dictionary pair; user names the server refuses outright are not "
        "retried."},
       &ftp_default_credential},
      {{"probe.ftp.bruteforce",
        "FTP brute-force protection",
        "ftp",
        Safety::intrusive,
        30s,
        {"no-bruteforce-protection", "observed-bruteforce-protection"},
        {"en303645:5.1-5", "jcstar1:S1.1-04"},
        "Ten failed USER/PASS logins, timed, for the account found; 421 or lockout words, or "
        "slowed answers, are the positive observation; then the right password must still work "
        "for no-bruteforce-protection."},
       &ftp_bruteforce},
      {{"probe.mqtt.anonymous",
        "MQTT anonymous access and subscription to # and $SYS/#",
        "mqtt",
        Safety::safe,
        6s,
        {"mqtt-anonymous", "info-disclosure", "component-identified"},
        {"en303645:5.5-4", "en303645:5.6-2"},
        "CONNECT without credentials; if accepted, SUBSCRIBE to # and $SYS/# and report the broker "
        "version and "
        "retained secrets an anonymous client reads."},
       &mqtt_anonymous},
      {{"probe.mqtt.default-credential",
        "MQTT default credentials",
        "mqtt",
        Safety::safe,
        40s,
        {"default-credential"},
        {"en303645:5.1-1"},
        "CONNECT with each dictionary pair, eight at a time."},
       &mqtt_default_credential},
      {{"probe.mqtt.bruteforce",
        "MQTT brute-force protection",
        "mqtt",
        Safety::intrusive,
        30s,
        {"no-bruteforce-protection", "observed-bruteforce-protection"},
        {"en303645:5.1-5", "jcstar1:S1.1-04"},
        "Ten CONNECTs with wrong passwords, timed, for the account the dictionary found; then the "
        "right password must still work for no-bruteforce-protection. Not run on brokers that "
        "accept anonymous clients."},
       &mqtt_bruteforce},
  };
}

}  // namespace kensa::probe
