#include "evidence/credentials.h"

#include "base/embedded.h"
#include "base/error.h"

namespace kensa {
extern const EmbeddedFile kCredentialFiles[];
extern const std::size_t kCredentialFiles_count;
}  // namespace kensa

namespace kensa::evidence {

std::vector<Credential> parse_credentials(std::string_view text, const std::string& origin) {
  std::vector<Credential> out;
  std::size_t line_no = 0;
  std::size_t at = 0;
  std::string section;
  auto unescape = [](std::string_view s) {
    return s == "<empty>" ? std::string() : std::string(s);
  };
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(at, nl - at);
    at = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() == '#') {
      constexpr std::string_view kSection = "# section:";
      if (line.substr(0, kSection.size()) == kSection) {
        section = std::string(line.substr(kSection.size()));
        section.erase(0, section.find_first_not_of(' '));
      }
      continue;
    }
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos) {
      throw InputError(origin, line_no, 1,
                       "expected 'user<TAB>password' (see data/credentials/README.md)");
    }
    std::string_view password = line.substr(tab + 1);
    std::string source = section;
    if (const std::size_t third = password.find('\t'); third != std::string_view::npos) {
      source = std::string(password.substr(third + 1));
      password = password.substr(0, third);
    }
    out.push_back(Credential{unescape(line.substr(0, tab)), unescape(password), std::move(source)});
  }
  return out;
}

const std::vector<Credential>& builtin_credentials() {
  static const std::vector<Credential> credentials =
      kCredentialFiles_count == 0 ? std::vector<Credential>{}
                                  : parse_credentials(kCredentialFiles[0].contents,
                                                      "data/credentials/default-credentials.txt");
  return credentials;
}

}  // namespace kensa::evidence
