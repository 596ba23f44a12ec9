#pragma once
// Helpers shared by the check files (internal).
#include <functional>

#include "probe/engine.h"

namespace kensa::probe {

// Reports the components named in pre-authentication text (component-identified), and, unless the
// protocol requires the version string (SSH), that it was disclosed (info-disclosure).
void report_disclosure(CheckContext& ctx, std::string_view text, std::string_view where,
                       bool protocol_mandated);

// Runs fn(i) for i in [0, n) with `width` coroutines at once; stops early when fn returns false or
// the context's deadline passes.
awaitable<void> parallel_for(CheckContext& ctx, std::size_t n, std::size_t width,
                             std::function<awaitable<bool>(std::size_t)> fn);

awaitable<void> sleep_until(Clock::time_point t);

std::string mask(std::string_view secret);                        // "ad***" for evidence text
bool contains_ci(std::string_view hay, std::string_view needle);  // needle in lower case
bool lockout_words(std::string_view text);  // "locked", "too many", "try again later", ...

// ---- HTTP (checks_http.cc), shared with the form and RTSP checks ----
struct HttpResult {
  IoStatus io = IoStatus::error;
  wire::HttpResponse response;
  double seconds = 0;
};
// One request on a fresh connection (Connection: close); `extra_headers` end in CRLF each.
awaitable<HttpResult> http_request(CheckContext& ctx, std::string method, std::string path,
                                   std::string extra_headers = "", std::string body = "");
// The Authorization header line (CRLF-terminated) answering a WWW-Authenticate challenge, Basic or
// Digest (RFC 7616 MD5, qop=auth when offered); `uri` as in the request line.
std::string http_authorization(const std::string& challenge, const std::string& method,
                               const std::string& uri, const std::string& user,
                               const std::string& password);

// ---- Login attempts and brute-force protection (checks_bruteforce.cc) ----
enum class Outcome { accepted, rejected, closed, locked, error };
struct Attempt {
  Outcome outcome = Outcome::error;
  IoStatus io = IoStatus::ok;
  double seconds = 0;
};
using TryLogin =
    std::function<awaitable<Attempt>(const std::string& user, const std::string& password)>;

// A lockout or slow-down was seen (by a dictionary run or the brute-force test): the positive
// observation observed-bruteforce-protection, with what was seen.
void report_protection(CheckContext& ctx, std::string_view service, std::string what);

// The intrusive brute-force protection test shared by every protocol: ten failed logins, timed, for
// the account the default-credential check found (else "admin"). Locked or slowed: the positive
// observation. Neither: no-bruteforce-protection, but only for a known account whose right
// password still works afterwards; without a known account nothing can be concluded (a made-up
// user proves nothing about per-account lockout), so the run is skipped with why.
awaitable<void> bruteforce_test(CheckContext& ctx, std::string service, TryLogin try_once);

// Syslog (service.cc): an RFC 5424 frame, and whether a UDP port stays silent to a datagram instead
// of answering with an ICMP port unreachable (true: open, or filtered).
std::string syslog_frame(std::string_view message);
awaitable<bool> udp_port_open(Scanner& scanner, const PortState& port, std::string_view datagram,
                              Clock::time_point deadline);

// Check lists, one per file.
std::vector<Check> basic_checks();
std::vector<Check> login_checks();
std::vector<Check> http_checks();
std::vector<Check> tls_checks();
std::vector<Check> udp_checks();
std::vector<Check> ssh_checks();
std::vector<Check> form_checks();
std::vector<Check> rtsp_checks();
std::vector<Check> syslog_checks();

}  // namespace kensa::probe
