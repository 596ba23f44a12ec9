// The brute-force protection test every login protocol shares (EN 303 645 5.1-5, JC-STAR
// S1.1-04), and the positive observation when a device slows or locks out repeated failures.
#include <algorithm>
#include <random>

#include "probe/checks_common.h"

namespace kensa::probe {

bool contains_ci(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return it != hay.end();
}

bool lockout_words(std::string_view text) {
  for (auto w : {"locked", "too many", "try again later", "temporarily", "blocked"}) {
    if (contains_ci(text, w)) return true;
  }
  return false;
}

void report_protection(CheckContext& ctx, std::string_view service, std::string what) {
  for (const auto& f : ctx.findings) {
    if (f.kind == "observed-bruteforce-protection") return;  // once per run
  }
  ctx.add("observed-bruteforce-protection",
          std::string(service) + " slows or locks out repeated failed logins", what,
          {{"service", service}});
}

awaitable<void> bruteforce_test(CheckContext& ctx, std::string service, TryLogin try_once) {
  constexpr int kFailures = 10;
  std::vector<double> times;
  std::mt19937 rng(static_cast<unsigned>(ctx.port.address ^ ctx.port.port));
  const bool known = ctx.port.accepted_credential && !ctx.port.accepted_credential->first.empty();
  const std::string user = known ? ctx.port.accepted_credential->first : "admin";
  for (int i = 0; i < kFailures; ++i) {
    if (ctx.expired()) {
      ctx.incomplete(evidence::CheckStatus::timeout,
                     "time budget spent after " + std::to_string(i) + " failed logins");
      co_return;
    }
    const std::string wrong = "kensa-wrong-" + std::to_string(rng() % 1000000);
    Attempt a = co_await try_once(user, wrong);
    if (a.outcome == Outcome::locked) {
      report_protection(
          ctx, service,
          "locked out (or refused) after " + std::to_string(i + 1) + " failed logins for " + user);
      co_return;
    }
    if (a.outcome == Outcome::accepted) {
      ctx.incomplete(evidence::CheckStatus::error, "a random password was accepted; cannot judge");
      co_return;
    }
    if (a.outcome == Outcome::error) {
      ctx.incomplete(a.io, service + " failed login " + std::to_string(i + 1));
      co_return;
    }
    times.push_back(a.seconds);
  }
  // Slowed: the three last answers all took over a second and over three times the slowest of
  // the three first (single samples would mistake a loaded machine for a back-off).
  const double first = *std::max_element(times.begin(), times.begin() + 3);
  const double last = *std::min_element(times.end() - 3, times.end());
  if (last > 1.0 && last > first * 3) {
    report_protection(ctx, service,
                      "failed logins were slowed from " + std::to_string(first) + " s to " +
                          std::to_string(last) + " s");
    co_return;
  }
  std::string proof = std::to_string(kFailures) + " failed logins for " + user + " answered in " +
                      std::to_string(first) + " … " + std::to_string(last) +
                      " s each, no lockout signalled";
  if (!known) {
    ctx.incomplete(evidence::CheckStatus::skipped,
                   proof +
                       "; no account known (the dictionary found none), and a made-up one "
                       "proves nothing about per-account lockout");
    co_return;
  }
  Attempt good =
      co_await try_once(ctx.port.accepted_credential->first, ctx.port.accepted_credential->second);
  if (good.outcome == Outcome::error) {
    ctx.incomplete(good.io, service + " login with the known password after the failures");
    co_return;
  }
  if (good.outcome != Outcome::accepted) {
    report_protection(ctx, service,
                      proof + "; then the right password was refused: the account is locked");
    co_return;
  }
  proof += "; the right password still worked immediately afterwards";
  ctx.add(
      "no-bruteforce-protection", service + " neither slows nor locks out repeated failed logins",
      proof,
      {{"failures", kFailures}, {"first_seconds", first}, {"last_seconds", last}, {"user", user}});
}

}  // namespace kensa::probe
