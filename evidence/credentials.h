#pragma once
// The default-credential dictionary (data/credentials/default-credentials.txt, format in the
// README beside it), shared by the active prober (login trials) and the firmware analysis
// (cracking password hashes), so both try the same pairs.
#include <string>
#include <string_view>
#include <vector>

namespace kensa::evidence {

struct Credential {
  std::string user, password;  // "<empty>" in the file stands for an empty string
  std::string source;          // the list it came from: a third column, else the last "# section:"
};

// `user<TAB>password[<TAB>source]` per line, '#' comments, "# section: NAME" names the source of
// the pairs that follow. Throws InputError naming the line.
std::vector<Credential> parse_credentials(std::string_view text, const std::string& origin);
// The dictionary compiled into kensa.
const std::vector<Credential>& builtin_credentials();

}  // namespace kensa::evidence
