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

std::string mask(std::string_view secret);  // "ad***" for evidence text

// Check lists, one per file.
std::vector<Check> basic_checks();
std::vector<Check> login_checks();
std::vector<Check> http_checks();
std::vector<Check> tls_checks();
std::vector<Check> udp_checks();
std::vector<Check> ssh_checks();

}  // namespace kensa::probe
