// HTTP checks: admin and status pages without authentication, logins over plain HTTP, default
// credentials for Basic and Digest, and (intrusive) brute-force protection.
#include <openssl/evp.h>

#include <algorithm>
#include <random>

#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;

namespace {

constexpr std::size_t kHttpCap = 96 * 1024;
constexpr std::size_t kBodyCap = 64 * 1024;

std::string hex_md5(std::string_view s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), digest, &n, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

std::string base64(std::string_view s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

std::string http_authorization(const std::string& challenge, const std::string& method,
                               const std::string& path, const std::string& user,
                               const std::string& password) {
  const auto params = wire::parse_auth_params(challenge);
  const auto scheme = params.count("scheme") ? params.at("scheme") : "basic";
  if (scheme == "digest") {
    auto get = [&](const char* k) { return params.count(k) ? params.at(k) : std::string(); };
    const std::string realm = get("realm"), nonce = get("nonce"), qop = get("qop"),
                      opaque = get("opaque");
    const std::string ha1 = hex_md5(user + ":" + realm + ":" + password);
    const std::string ha2 = hex_md5(method + ":" + path);
    std::string h = "Authorization: Digest username=\"" + user + "\", realm=\"" + realm +
                    "\", nonce=\"" + nonce + "\", uri=\"" + path + "\"";
    if (qop.find("auth") != std::string::npos) {
      const std::string cnonce = "6b656e7361", nc = "00000001";
      h += ", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\", response=\"" +
           hex_md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2) + "\"";
    } else {
      h += ", response=\"" + hex_md5(ha1 + ":" + nonce + ":" + ha2) + "\"";
    }
    if (!opaque.empty()) h += ", opaque=\"" + opaque + "\"";
    return h + "\r\n";
  }
  return "Authorization: Basic " + base64(user + ":" + password) + "\r\n";
}

awaitable<HttpResult> http_request(CheckContext& ctx, std::string method, std::string path,
                                   std::string extra_headers, std::string body) {
  HttpResult r;
  const auto start = Clock::now();
  auto conn = co_await ctx.open();
  if (!conn) co_return r;
  const std::string request =
      std::string(method) + " " + path + " HTTP/1.1\r\nHost: " + ctx.target() +
      "\r\nUser-Agent: kensa-probe\r\nConnection: close\r\n" + extra_headers +
      pick(body.empty() && method != "POST", "",
           "Content-Length: " + std::to_string(body.size()) + "\r\n") +
      "\r\n" + body;
  r.io = co_await conn->write(request, ctx.deadline);
  if (r.io != IoStatus::ok) co_return r;
  std::string buffer;
  wire::Parse parsed = wire::Parse::need_more;
  while (true) {
    r.io = co_await conn->read_some(buffer, kHttpCap, ctx.deadline);
    const bool eof = r.io == IoStatus::eof || r.io == IoStatus::limit;
    if (r.io != IoStatus::ok && !eof) co_return r;
    parsed = wire::parse_http_response(buffer, eof, kBodyCap, r.response);
    if (parsed != wire::Parse::need_more || eof) break;
  }
  r.io = parsed == wire::Parse::ok ? IoStatus::ok : IoStatus::error;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  co_return r;
}

namespace {

bool password_form(std::string_view body) {
  return contains_ci(body, "<form") && contains_ci(body, "type=\"password\"");
}

// Paths device web UIs put their administration, status and configuration on.
const std::vector<std::string>& admin_paths() {
  static const std::vector<std::string> paths = {
      "/",           "/admin/",     "/admin",      "/status",      "/server-status", "/cgi-bin/",
      "/config",     "/setup.cgi",  "/login.html", "/system.ini",  "/config.xml",    "/debug",
      "/api/config", "/management", "/settings",   "/status.html", "/cgi-bin/luci",  "/HNAP1/"};
  return paths;
}

bool admin_like(std::string_view path) {
  for (auto w : {"admin", "status", "config", "setup", "system", "debug", "management", "settings",
                 "luci", "hnap"}) {
    if (contains_ci(path, w)) return true;
  }
  return false;
}

awaitable<void> admin_pages(CheckContext& ctx) {
  const bool plain = !ctx.port.service.tls;
  std::vector<std::string> open_admin, login_paths;
  std::string server;
  std::size_t answered = 0;
  for (const auto& path : admin_paths()) {
    if (ctx.expired()) {
      ctx.incomplete(evidence::CheckStatus::timeout, "time budget spent at " + path);
      break;
    }
    HttpResult r = co_await http_request(ctx, "GET", path);
    if (r.io != IoStatus::ok) {
      ctx.incomplete(r.io, "GET " + path);
      break;
    }
    ++answered;
    const auto& resp = r.response;
    if (server.empty()) server = resp.header("server");
    if (resp.status == 401) {
      const std::string challenge = resp.header("www-authenticate");
      ctx.port.http_auth.emplace_back(path, challenge);
      login_paths.push_back(path + " (" + wire::printable(challenge, 60) + ")");
    } else if (resp.status == 200) {
      if (password_form(resp.body)) login_paths.push_back(path + " (password form)");
      if (admin_like(path) && !password_form(resp.body)) {
        open_admin.push_back(path);
        auto& f =
            ctx.add("no-authentication", "HTTP page " + path + " is served without authentication",
                    "GET " + path + " → 200: " + wire::printable(resp.body, 160),
                    {{"path", path}, {"status", resp.status}});
        f.path = path;
        if (contains_ci(path, "status"))
          report_disclosure(ctx, resp.body, "HTTP status page " + path, false);
      }
    }
  }
  if (!server.empty()) report_disclosure(ctx, server, "HTTP Server header", false);
  if (plain && !login_paths.empty()) {
    std::string list;
    for (const auto& p : login_paths) list += (list.empty() ? "" : ", ") + p;
    ctx.add("cleartext-credential", "HTTP login without TLS", "login on plain HTTP: " + list,
            {{"paths", login_paths}});
    ctx.add("cleartext-service", "HTTP administration without TLS",
            "login or admin pages on plain HTTP: " + list, {{"paths", login_paths}});
  } else if (plain && !open_admin.empty()) {
    ctx.add("cleartext-service", "HTTP administration without TLS", "admin pages on plain HTTP",
            {{"paths", open_admin}});
  }
  ctx.note(std::to_string(answered) + " of " + std::to_string(admin_paths().size()) +
           " paths requested");
}

awaitable<void> http_default_credential(CheckContext& ctx) {
  if (ctx.port.http_auth.empty()) {
    ctx.note("no page asked for HTTP authentication");
    co_return;
  }
  const auto& dict = ctx.scanner.dictionary();
  const std::string path = ctx.port.http_auth.front().first;
  const std::string first_challenge = ctx.port.http_auth.front().second;
  bool found = false, locked = false;
  std::size_t tried = 0;
  co_await parallel_for(ctx, dict.size(), 8, [&](std::size_t i) -> awaitable<bool> {
    const auto& c = dict[i];
    std::string challenge = first_challenge;
    if (contains_ci(challenge, "digest")) {  // a fresh nonce per try
      HttpResult fresh = co_await http_request(ctx, "GET", path);
      if (fresh.io != IoStatus::ok) co_return false;
      challenge = fresh.response.header("www-authenticate");
    }
    HttpResult r = co_await http_request(
        ctx, "GET", path, http_authorization(challenge, "GET", path, c.user, c.password));
    ++tried;
    if (r.io != IoStatus::ok) co_return false;
    if (r.response.status == 429 || r.response.status == 403) {
      locked = true;
      co_return false;
    }
    if (r.response.status >= 200 && r.response.status < 400 && !found) {
      found = true;
      auto& f = ctx.add(c.password.empty() ? "empty-password" : "default-credential",
                        "HTTP " + wire::parse_auth_params(challenge)["scheme"] + " login on " +
                            path + " accepts the default " + c.user + "/" + mask(c.password),
                        "GET " + path + " with the pair → " + std::to_string(r.response.status),
                        {{"user", c.user},
                         {"password_masked", mask(c.password)},
                         {"source", c.source},
                         {"path", path}});
      f.path = path;
      ctx.port.accepted_credential = std::pair{c.user, c.password};
      co_return false;
    }
    co_return true;
  });
  if (found) co_return;
  if (locked) {
    ctx.incomplete(evidence::CheckStatus::error, "server started refusing (403/429) after " +
                                                     std::to_string(tried) +
                                                     " pairs: possible lockout; stopped");
  } else if (ctx.status == evidence::CheckStatus::completed && tried < dict.size()) {
    ctx.incomplete(evidence::CheckStatus::timeout,
                   "time budget spent after " + std::to_string(tried) + " pairs");
  } else {
    ctx.note("no dictionary pair accepted on " + path + " (" + std::to_string(tried) + " tried)");
  }
}

awaitable<void> http_bruteforce(CheckContext& ctx) {
  if (ctx.port.http_auth.empty()) {
    ctx.note("no page asked for HTTP authentication");
    co_return;
  }
  const std::string path = ctx.port.http_auth.front().first;
  const std::string challenge0 = ctx.port.http_auth.front().second;
  std::mt19937 rng(ctx.port.address);
  std::vector<double> times;
  const std::string user =
      ctx.port.accepted_credential.value_or(std::pair<std::string, std::string>{"admin", ""}).first;
  for (int i = 0; i < 10; ++i) {
    std::string challenge = challenge0;
    if (contains_ci(challenge, "digest"))
      challenge = (co_await http_request(ctx, "GET", path)).response.header("www-authenticate");
    HttpResult r =
        co_await http_request(ctx, "GET", path,
                              http_authorization(challenge, "GET", path, user,
                                                 "kensa-wrong-" + std::to_string(rng() % 100000)));
    if (r.io != IoStatus::ok) {
      ctx.incomplete(r.io, "failed login " + std::to_string(i + 1));
      co_return;
    }
    if (r.response.status == 429 || r.response.status == 403) {
      report_protection(ctx, "HTTP login",
                        "refused with " + std::to_string(r.response.status) + " after " +
                            std::to_string(i + 1) + " failures");
      co_return;
    }
    times.push_back(r.seconds);
  }
  std::string proof = "10 failed logins on " + path + " answered 401 in " +
                      std::to_string(times.front()) + " … " + std::to_string(times.back()) + " s";
  if (times.back() > 1.0 && times.back() > 3 * times.front()) {
    report_protection(ctx, "HTTP login", "failures were slowed: " + proof);
    co_return;
  }
  if (ctx.port.accepted_credential) {
    std::string challenge = challenge0;
    if (contains_ci(challenge, "digest"))
      challenge = (co_await http_request(ctx, "GET", path)).response.header("www-authenticate");
    const auto& [u, p] = *ctx.port.accepted_credential;
    HttpResult r =
        co_await http_request(ctx, "GET", path, http_authorization(challenge, "GET", path, u, p));
    if (r.io != IoStatus::ok || r.response.status >= 400) {
      report_protection(ctx, "HTTP login",
                        "the known credential was refused after the failures: locked");
      co_return;
    }
    proof += "; the right password still worked immediately afterwards";
  }
  auto& f = ctx.add("no-bruteforce-protection",
                    "HTTP login neither slows nor locks out repeated failures", proof,
                    {{"path", path}, {"failures", 10}});
  f.path = path;
}

}  // namespace

std::vector<Check> http_checks() {
  return {
      {{"probe.http.admin-pages",
        "HTTP admin, status and login pages",
        "http",
        Safety::safe,
        10s,
        {"no-authentication", "cleartext-credential", "cleartext-service", "info-disclosure",
         "component-identified"},
        {"en303645:5.5-1", "en303645:5.5-5", "en303645:5.6-2"},
        "Requests the paths device UIs use for administration and status; reports pages served "
        "without "
        "authentication, logins offered over plain HTTP, and versions in headers and status "
        "pages."},
       &admin_pages},
      {{"probe.http.default-credential",
        "HTTP Basic/Digest default credentials",
        "http",
        Safety::safe,
        40s,
        {"default-credential", "empty-password"},
        {"en303645:5.1-1", "jcstar1:S1.1-01"},
        "Tries each dictionary pair on the first page that asked for Basic or Digest "
        "authentication, eight at a "
        "time; stops when the server starts answering 403/429."},
       &http_default_credential},
      {{"probe.http.bruteforce",
        "HTTP brute-force protection",
        "http",
        Safety::intrusive,
        20s,
        {"no-bruteforce-protection", "observed-bruteforce-protection"},
        {"en303645:5.1-5", "jcstar1:S1.1-04"},
        "Ten failed logins, timed; then the known password, if any, must still work."},
       &http_bruteforce},
  };
}

}  // namespace kensa::probe
