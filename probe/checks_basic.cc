// The check registry, the inventory and cleartext checks, and ADB.
#include <algorithm>

#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

void report_disclosure(CheckContext& ctx, std::string_view text, std::string_view where,
                       bool protocol_mandated) {
  const auto components = wire::components_in(text);
  for (const auto& c : components) {
    auto& f = ctx.add("component-identified",
                      c.name + " " + c.version + " identified from the " + std::string(where),
                      wire::printable(text, 200), {{"component", c.name}, {"version", c.version}});
    f.path = std::string(where);
  }
  if (!components.empty() && !protocol_mandated) {
    std::string list;
    for (const auto& c : components) list += (list.empty() ? "" : ", ") + c.name + " " + c.version;
    ctx.add("info-disclosure",
            "Versions disclosed before authentication in the " + std::string(where) + ": " + list,
            wire::printable(text, 200), {{"where", where}});
  }
}

awaitable<void> sleep_until(Clock::time_point t) {
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(use_tuple);
}

awaitable<void> parallel_for(CheckContext& ctx, std::size_t n, std::size_t width,
                             std::function<awaitable<bool>(std::size_t)> fn) {
  auto next = std::make_shared<std::size_t>(0);
  auto stop = std::make_shared<bool>(false);
  auto remaining = std::make_shared<std::size_t>(std::min(n, width));
  if (*remaining == 0) co_return;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer done(executor, Clock::time_point::max());
  for (std::size_t w = 0, count = *remaining; w < count; ++w) {
    asio::co_spawn(
        executor,
        [&ctx, &fn, next, stop, n]() -> awaitable<void> {
          while (!*stop && *next < n && !ctx.expired()) {
            const std::size_t i = (*next)++;
            if (!co_await fn(i)) *stop = true;
          }
        },
        [remaining, &done](std::exception_ptr) {
          if (--*remaining == 0) done.cancel();
        });
  }
  co_await done.async_wait(use_tuple);
}

std::string mask(std::string_view secret) {
  if (secret.empty()) return "(empty)";
  return std::string(secret.substr(0, std::min<std::size_t>(2, secret.size() / 2))) + "***";
}

namespace {

awaitable<void> inventory(CheckContext& ctx) {
  const std::string title =
      (ctx.port.udp ? "UDP" : "TCP") + std::string(" port ") + std::to_string(ctx.port.port) +
      " answers as " + ctx.port.service.name +
      (ctx.port.service.identified ? "" : " (not identified; port convention)");
  const auto& svc = ctx.port.service;
  nlohmann::json ev = {
      {"service", svc.name}, {"identified", svc.identified}, {"how", svc.evidence}};
  if (!svc.banner.empty()) ev["banner"] = svc.banner;
  if (svc.tls) ev["tls"] = true;
  ctx.add("open-service", title, svc.evidence, ev);
  if (!ctx.port.raw_banner.empty() && svc.name != "telnet") {
    report_disclosure(ctx, ctx.port.raw_banner, svc.name + " greeting", svc.name == "ssh");
  }
  co_return;
}

// Cleartext protocols that carry logins or device control. HTTP is judged by probe.http.admin-pages
// (plain HTTP is only a finding when it carries a login or an admin page).
awaitable<void> cleartext(CheckContext& ctx) {
  const auto& svc = ctx.port.service;
  static const std::map<std::string, std::string, std::less<>> why = {
      {"telnet", "Telnet sends logins and the whole session in clear text"},
      {"ftp", "FTP sends USER/PASS and files in clear text"},
      {"mqtt", "MQTT without TLS sends credentials and messages in clear text"},
      {"coap", "CoAP without DTLS or OSCORE is neither confidential nor authenticated"},
      {"snmp", "SNMPv1/v2c sends the community string in clear text"},
      {"rtsp", "RTSP without TLS sends credentials and streams in clear text"},
      {"adb", "ADB without TLS gives a debug channel in clear text"},
  };
  if (!svc.identified) {
    ctx.incomplete(evidence::CheckStatus::error, "service not identified (" + svc.evidence + ")");
    co_return;
  }
  if (svc.tls) {
    ctx.note(svc.name + " runs inside TLS");
    co_return;
  }
  if (svc.name == "syslog") {
    ctx.note("syslog: judged by probe.syslog.cleartext");
    co_return;
  }
  auto it = why.find(svc.name);
  if (it == why.end()) {
    ctx.note(svc.name + ": not a cleartext login protocol (HTTP: see probe.http.admin-pages)");
    co_return;
  }
  auto& f = ctx.add("cleartext-service", svc.name + " offered without encryption", it->second,
                    {{"service", svc.name}, {"how", svc.evidence}});
  if (svc.name == "telnet" || svc.name == "ftp") {
    ctx.add("cleartext-credential", svc.name + " login travels in clear text", it->second,
            {{"service", svc.name}});
  }
  (void)f;
  co_return;
}

// ADB over TCP: a CNXN answered with CNXN is a shell without authentication; AUTH still exposes it.
awaitable<void> adb(CheckContext& ctx) {
  auto conn = co_await ctx.open();
  if (!conn) co_return;
  if (auto s = co_await conn->write(wire::adb_connect_message(), ctx.deadline); s != IoStatus::ok) {
    ctx.incomplete(s, "ADB CNXN");
    co_return;
  }
  std::string buf;
  auto s = co_await conn->read_until(buf, 4096, ctx.deadline, [](std::string_view b) {
    return b.size() >= 24 ? wire::Parse::ok : wire::Parse::need_more;
  });
  wire::AdbMessage m;
  if (s != IoStatus::ok || !wire::parse_adb(buf, m)) {
    ctx.incomplete(s == IoStatus::ok ? IoStatus::error : s, "ADB answer");
    co_return;
  }
  ctx.add("debug-service",
          m.command == "CNXN"
              ? "ADB debug bridge accepts connections without authentication"
              : "ADB debug bridge is reachable over the network (asks for key authentication)",
          "answered CNXN with " + m.command + ": " + wire::printable(buf, 120),
          {{"answer", m.command}});
  if (m.command == "CNXN")
    ctx.add("no-authentication", "ADB shell reachable without authentication", m.command);
}

}  // namespace

std::vector<Check> basic_checks() {
  return {
      {{"probe.service.inventory",
        "Open service and what it says about itself",
        "*",
        Safety::safe,
        2s,
        {"open-service", "component-identified", "info-disclosure"},
        {"en303645:5.6-1", "en303645:5.6-2"},
        "Records every open port with the service identified from its answers, and the software "
        "versions its "
        "greeting names."},
       &inventory},
      {{"probe.cleartext",
        "Cleartext login or control protocol",
        "*",
        Safety::safe,
        1s,
        {"cleartext-service", "cleartext-credential"},
        {"en303645:5.5-1", "en303645:5.5-7"},
        "Telnet, FTP, MQTT without TLS, CoAP without DTLS, SNMPv1/v2c, RTSP and ADB carry logins "
        "or control in "
        "clear text."},
       &cleartext},
      {{"probe.adb.debug",
        "Android Debug Bridge reachable",
        "adb",
        Safety::safe,
        4s,
        {"debug-service", "no-authentication"},
        {"en303645:5.6-1", "en303645:5.5-5"},
        "Sends an ADB CNXN message and reports whether the bridge answers with or without "
        "authentication."},
       &adb},
  };
}

const std::vector<Check>& checks() {
  static const std::vector<Check> all = [] {
    std::vector<Check> out;
    for (auto&& list : {basic_checks(), login_checks(), http_checks(), form_checks(), tls_checks(),
                        rtsp_checks(), udp_checks(), ssh_checks(), syslog_checks()}) {
      out.insert(out.end(), list.begin(), list.end());
    }
    return out;
  }();
  return all;
}

const std::vector<CheckInfo>& check_catalog() {
  static const std::vector<CheckInfo> infos = [] {
    std::vector<CheckInfo> out;
    for (const auto& c : checks()) out.push_back(c.info);
    return out;
  }();
  return infos;
}

}  // namespace kensa::probe
