// HTTP login forms (the login page most device web UIs have instead of Basic/Digest): find the
// form, post dictionary pairs into it, and judge each answer against a known failure; and
// (intrusive) whether repeated failed posts are slowed or locked.
#include <algorithm>

#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;

namespace {

// Pages device UIs put their login form on; "/" is followed through one same-host redirect.
const std::vector<std::string>& form_paths() {
  static const std::vector<std::string> paths = {"/",
                                                 "/login.html",
                                                 "/login.htm",
                                                 "/login",
                                                 "/index.html",
                                                 "/login.php",
                                                 "/cgi-bin/login.cgi",
                                                 "/admin/login.html",
                                                 "/webpages/login.html"};
  return paths;
}

// "Set-Cookie: a=1; Path=/" headers → "a=1; b=2" for a Cookie header (later values win).
std::string cookies_of(const wire::HttpResponse& r, std::string jar = "") {
  auto [from, to] = r.headers.equal_range("set-cookie");
  for (auto it = from; it != to; ++it) {
    const std::string pair = it->second.substr(0, it->second.find(';'));
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    const std::string name = pair.substr(0, eq + 1);
    // Drop an earlier value of the same cookie.
    std::string kept;
    std::size_t start = 0;
    while (start < jar.size()) {
      std::size_t end = jar.find("; ", start);
      if (end == std::string::npos) end = jar.size();
      const std::string item = jar.substr(start, end - start);
      if (item.rfind(name, 0) != 0) kept += (kept.empty() ? "" : "; ") + item;
      start = end + 2;
    }
    jar = kept + (kept.empty() ? "" : "; ") + pair;
  }
  return jar;
}

// The path of a same-target URL or reference, resolved against the page it appeared on; empty
// when it points to another host (credentials are never sent off the target).
std::string resolve(const std::string& reference, const std::string& page,
                    const std::string& host) {
  if (reference.empty()) return page;
  std::string ref = reference.substr(0, reference.find('#'));
  if (ref.rfind("http://", 0) == 0 || ref.rfind("https://", 0) == 0 || ref.rfind("//", 0) == 0) {
    const std::size_t host_start = ref.find("//") + 2;
    std::size_t path_start = ref.find('/', host_start);
    std::string authority = ref.substr(host_start, path_start - host_start);
    if (const auto colon = authority.find(':'); colon != std::string::npos) authority.resize(colon);
    if (authority != host) return "";
    return path_start == std::string::npos ? "/" : ref.substr(path_start);
  }
  if (ref.empty()) return page;
  if (ref.front() == '/') return ref;
  if (ref.front() == '?') return page.substr(0, page.find('?')) + ref;
  const std::string dir = page.substr(0, page.find('?'));
  return dir.substr(0, dir.rfind('/') + 1) + ref;
}

struct FoundForm {
  std::string page;    // path the form was on
  std::string target;  // path it posts to
  wire::LoginForm form;
};

// GET the candidate pages (following one same-host redirect each) until one has a login form.
awaitable<std::optional<FoundForm>> find_form(CheckContext& ctx, std::string* tried) {
  for (const auto& start : form_paths()) {
    std::string path = start;
    for (int hop = 0; hop < 2 && !ctx.expired(); ++hop) {
      HttpResult r = co_await http_request(ctx, "GET", path);
      if (r.io != IoStatus::ok) break;
      if (tried)
        *tried += (tried->empty() ? "" : ", ") + path + " " + std::to_string(r.response.status);
      if (r.response.status >= 300 && r.response.status < 400) {
        path = resolve(r.response.header("location"), path, ctx.target());
        if (path.empty()) break;
        continue;
      }
      if (r.response.status != 200) break;
      if (auto form = wire::parse_login_form(r.response.body)) {
        const std::string target = resolve(form->action, path, ctx.target());
        if (target.empty()) break;  // posts to another host: not ours to try
        co_return FoundForm{path, target, *form};
      }
      break;
    }
  }
  co_return std::nullopt;
}

// What one post of the form led to.
struct Post {
  IoStatus io = IoStatus::error;
  int status = 0;
  std::string location;     // redirect target path, if any
  bool form_again = false;  // the answer (or where it redirected) asks for the password again
  bool locked = false;
  bool error_words = false;
  double seconds = 0;
  std::string excerpt;
};

awaitable<Post> post_form(CheckContext& ctx, const FoundForm& found, const std::string& user,
                          const std::string& password) {
  Post p;
  const auto start = Clock::now();
  // A fresh GET of the page: its session cookie and hidden fields (CSRF tokens) for this post.
  HttpResult page = co_await http_request(ctx, "GET", found.page);
  if (page.io != IoStatus::ok) {
    p.io = page.io;
    co_return p;
  }
  wire::LoginForm form = found.form;
  if (auto fresh = wire::parse_login_form(page.response.body)) form = *fresh;
  std::string jar = cookies_of(page.response);
  std::string body;
  auto field = [&body](const std::string& k, const std::string& v) {
    body += (body.empty() ? "" : "&") + wire::form_urlencode(k) + "=" + wire::form_urlencode(v);
  };
  if (!form.user_field.empty()) field(form.user_field, user);
  field(form.password_field, password);
  for (const auto& [k, v] : form.fixed) field(k, v);
  std::string headers = "Referer: http://" + ctx.target() + found.page + "\r\n";
  if (!jar.empty()) headers += "Cookie: " + jar + "\r\n";
  HttpResult r;
  if (form.method == "get") {
    r = co_await http_request(
        ctx, "GET",
        found.target + pick(found.target.find('?') == std::string::npos, "?", "&") + body, headers);
  } else {
    r = co_await http_request(ctx, "POST", found.target,
                              headers + "Content-Type: application/x-www-form-urlencoded\r\n",
                              body);
  }
  p.io = r.io;
  if (r.io != IoStatus::ok) co_return p;
  p.status = r.response.status;
  p.excerpt = wire::printable(r.response.body, 120);
  jar = cookies_of(r.response, jar);
  std::string final_body = r.response.body;
  if (p.status >= 300 && p.status < 400) {
    p.location = resolve(r.response.header("location"), found.target, ctx.target());
    if (!p.location.empty()) {
      HttpResult next = co_await http_request(ctx, "GET", p.location,
                                              pick(jar.empty(), "", "Cookie: " + jar + "\r\n"));
      if (next.io == IoStatus::ok) {
        final_body = next.response.body;
        if (next.response.status == 401 || next.response.status == 403) p.form_again = true;
        if (next.response.status >= 300 && next.response.status < 400 &&
            resolve(next.response.header("location"), p.location, ctx.target()) == found.page)
          p.form_again = true;  // bounced back to the login page
      }
    }
  }
  p.form_again =
      p.form_again || wire::parse_login_form(final_body).has_value() || p.location == found.page;
  p.locked = p.status == 429 || lockout_words(final_body);
  p.error_words = contains_ci(final_body, "invalid") || contains_ci(final_body, "incorrect") ||
                  contains_ci(final_body, "failed") || contains_ci(final_body, "wrong");
  p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  co_return p;
}

// A post succeeded when it no longer asks for the password, says no error, and differs from the
// failure the same form gave for a random password.
bool succeeded(const Post& p, const Post& failure) {
  if (p.locked || p.form_again || p.error_words || p.status >= 400) return false;
  return p.status != failure.status || p.location != failure.location || failure.form_again;
}

Attempt as_attempt(const Post& p, const Post& failure) {
  Attempt a;
  a.io = p.io;
  a.seconds = p.seconds;
  a.outcome = p.io != IoStatus::ok          ? Outcome::error
              : p.locked || p.status == 403 ? Outcome::locked
              : succeeded(p, failure)       ? Outcome::accepted
                                            : Outcome::rejected;
  return a;
}

// The form and the answer it gives to a random password, or nullopt with the status set.
// A lockout already in force is the result of the brute-force test (`lockout_is_result`), but
// stops a dictionary run before it starts.
awaitable<std::optional<std::pair<FoundForm, Post>>> form_and_failure(CheckContext& ctx,
                                                                      bool lockout_is_result) {
  std::string tried;
  auto found = co_await find_form(ctx, &tried);
  if (!found) {
    if (ctx.status == evidence::CheckStatus::completed)
      ctx.note("no login form found (" + tried + ")");
    co_return std::nullopt;
  }
  Post failure = co_await post_form(ctx, *found, "admin", "kensa-wrong-7392");
  if (failure.io != IoStatus::ok) {
    ctx.incomplete(failure.io, "posting the login form on " + found->page);
    co_return std::nullopt;
  }
  if (!ctx.port.service.tls) {
    // Once per port: probe.http.admin-pages reports forms it found on its own paths.
    const bool known =
        std::any_of(ctx.scanner.results.findings.begin(), ctx.scanner.results.findings.end(),
                    [&](const evidence::Finding& f) {
                      return f.kind == "cleartext-credential" && f.target == ctx.target() &&
                             f.port == ctx.port.port;
                    }) ||
        std::any_of(ctx.findings.begin(), ctx.findings.end(),
                    [](const evidence::Finding& f) { return f.kind == "cleartext-credential"; });
    if (!known) {
      auto& f = ctx.add("cleartext-credential", "HTTP login form without TLS",
                        "the login form on " + found->page + " posts to http://" + ctx.target() +
                            found->target + " in clear text",
                        {{"page", found->page}, {"action", found->target}});
      f.path = found->page;
    }
  }
  if (failure.locked) {
    report_protection(ctx, "HTTP login form",
                      "the form on " + found->page +
                          " answered the first failed login with a lockout: " + failure.excerpt);
    if (!lockout_is_result)
      ctx.incomplete(evidence::CheckStatus::error, "lockout in force; no pair tried");
    co_return std::nullopt;
  }
  if (failure.status == 403 || failure.status >= 500) {
    // Not a login failure: the session or token handling was refused (or the server broke), and
    // every later 403 would look like a lockout.
    ctx.incomplete(evidence::CheckStatus::error,
                   "the form on " + found->page + " refused the post (" +
                       std::to_string(failure.status) + "): " + failure.excerpt);
    co_return std::nullopt;
  }
  if (!failure.form_again && !failure.error_words && failure.status < 400) {
    ctx.incomplete(evidence::CheckStatus::error,
                   "a random password on " + found->page +
                       " gave an answer that does not look like a failure (status " +
                       std::to_string(failure.status) + "); success cannot be told apart");
    co_return std::nullopt;
  }
  co_return std::pair{*found, failure};
}

awaitable<void> form_default_credential(CheckContext& ctx) {
  auto known = co_await form_and_failure(ctx, false);
  if (!known) co_return;
  const FoundForm& found = known->first;
  const Post& failure = known->second;
  const auto& dict = ctx.scanner.dictionary();
  bool done = false, locked = false;
  std::size_t tried = 0;
  std::string lock_text;
  co_await parallel_for(ctx, dict.size(), 4, [&](std::size_t i) -> awaitable<bool> {
    const auto& c = dict[i];
    if (found.form.user_field.empty() && i > 0 && dict[i - 1].password == c.password)
      co_return true;
    Post p = co_await post_form(ctx, found, c.user, c.password);
    ++tried;
    if (p.io != IoStatus::ok) co_return false;
    if (done) co_return false;
    const Attempt a = as_attempt(p, failure);
    if (a.outcome == Outcome::locked) {
      locked = true;
      lock_text = p.excerpt;
      co_return false;
    }
    if (a.outcome == Outcome::accepted) {
      done = true;
      auto& f = ctx.add(c.password.empty() ? "empty-password" : "default-credential",
                        "HTTP login form on " + found.page + " accepts the default " + c.user +
                            "/" + mask(c.password),
                        "POST " + found.target + " → " + std::to_string(p.status) +
                            pick(p.location.empty(), "", " to " + p.location) +
                            ", no login form any more (a random password gave " +
                            std::to_string(failure.status) + " with the form again)",
                        {{"user", c.user},
                         {"password_masked", mask(c.password)},
                         {"source", c.source},
                         {"path", found.page},
                         {"tried", tried}});
      f.path = found.page;
      ctx.port.accepted_credential = std::pair{c.user, c.password};
      co_return false;
    }
    co_return true;
  });
  if (done) co_return;
  if (locked) {
    report_protection(ctx, "HTTP login form",
                      "lockout after " + std::to_string(tried) + " dictionary pairs: " + lock_text);
    ctx.incomplete(
        evidence::CheckStatus::error,
        "lockout signalled after " + std::to_string(tried) + " pairs; stopped (" + lock_text + ")");
  } else if (ctx.status == evidence::CheckStatus::completed && tried < dict.size()) {
    ctx.incomplete(evidence::CheckStatus::timeout,
                   "time budget spent after " + std::to_string(tried) + " pairs");
  } else if (ctx.status == evidence::CheckStatus::completed) {
    ctx.note("no dictionary pair accepted by the form on " + found.page + " (" +
             std::to_string(tried) + " tried)");
  }
}

awaitable<void> form_bruteforce(CheckContext& ctx) {
  auto known = co_await form_and_failure(ctx, true);
  if (!known) co_return;
  const FoundForm found = known->first;
  const Post failure = known->second;
  co_await bruteforce_test(ctx, "HTTP login form",
                           [&](const std::string& u, const std::string& p) -> awaitable<Attempt> {
                             Post post = co_await post_form(ctx, found, u, p);
                             co_return as_attempt(post, failure);
                           });
}

}  // namespace

std::vector<Check> form_checks() {
  return {
      {{"probe.http.form-credential",
        "HTTP login form default credentials",
        "http",
        Safety::safe,
        40s,
        {"default-credential", "empty-password", "cleartext-credential",
         "observed-bruteforce-protection"},
        {"en303645:5.1-1", "en303645:5.5-7", "jcstar1:S1.1-01"},
        "Finds a login form (a <form> with a password field) on the usual login pages, learns what "
        "a random password gets (status, redirect, the form again), then posts each dictionary "
        "pair with a fresh session and hidden fields, four at a time; success is an answer that "
        "differs from that failure and no longer asks for the password. Stops on 429 or lockout "
        "words (then reports the protection it saw). Credentials go only to the target itself."},
       &form_default_credential},
      {{"probe.http.form-bruteforce",
        "HTTP login form brute-force protection",
        "http",
        Safety::intrusive,
        30s,
        {"no-bruteforce-protection", "observed-bruteforce-protection", "cleartext-credential"},
        {"en303645:5.1-5", "jcstar1:S1.1-04"},
        "Ten failed posts of the login form, timed, for the account found (else admin); locked or "
        "slowed is the positive observation; neither, while the right password still works, is "
        "no-bruteforce-protection."},
       &form_bruteforce},
  };
}

}  // namespace kensa::probe
