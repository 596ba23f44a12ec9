// Checks over one extracted filesystem. Each check records a CheckRun naming the finding kinds it
// tests for, so that the verdict engine can tell "looked and found nothing" from "did not look".
#include <crypt.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

using nlohmann::json;

evidence::Finding& add_finding(CheckContext& ctx, std::string check, std::string kind,
                               std::string path, std::string evidence_text, json evidence) {
  evidence::Finding f;
  f.check = std::move(check);
  f.kind = std::move(kind);
  f.target = ctx.target;
  f.path = std::move(path);
  f.collector = "firmware";
  if (const auto* k = evidence::find_kind(f.kind)) {
    f.severity = k->default_severity;
    f.title = std::string(k->title);
  }
  f.evidence_text = std::move(evidence_text);
  evidence["filesystem"] = ctx.chunk;
  f.evidence = std::move(evidence);
  ctx.out->findings.push_back(std::move(f));
  return ctx.out->findings.back();
}

void add_check_run(CheckContext& ctx, std::string check, std::vector<std::string> tests_for,
                   std::string detail) {
  evidence::CheckRun run;
  run.check = std::move(check);
  run.target = ctx.target;
  run.collector = "firmware";
  run.status = evidence::CheckStatus::completed;
  run.tests_for = std::move(tests_for);
  run.detail = fmt::format("{} ({})", detail, ctx.chunk);
  ctx.out->checks.push_back(std::move(run));
}

const Entry* find_entry(const Filesystem& fs, std::string_view path) {
  for (auto it = fs.entries.rbegin(); it != fs.entries.rend(); ++it) {
    if (it->path == path) return &*it;
  }
  return nullptr;
}

const Entry* resolve(const Filesystem& fs, std::string_view path) {
  std::string current(path);
  for (int hops = 0; hops < 16; ++hops) {
    const Entry* e = find_entry(fs, current);
    if (!e) return nullptr;
    if (e->type != EntryType::symlink) return e->type == EntryType::regular ? e : nullptr;
    std::string target = e->link_target;
    if (target.empty()) return nullptr;
    if (target.front() != '/') target = current.substr(0, current.rfind('/') + 1) + target;
    bool escaped = false;
    current = normalize_entry_path(target, escaped);
  }
  return nullptr;
}

bool looks_like_text(Bytes data) {
  const Bytes head = data.substr(0, 512);
  if (head.find('\0') != Bytes::npos) return false;
  std::size_t odd = 0;
  for (unsigned char c : head) {
    if (c < 0x09 || (c > 0x0d && c < 0x20)) ++odd;
  }
  return odd * 20 < head.size() + 1;
}

namespace {

std::vector<std::string_view> split_lines(Bytes text) {
  std::vector<std::string_view> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == Bytes::npos) nl = text.size();
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return lines;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const std::size_t p = s.find(sep, at);
    out.emplace_back(s.substr(at, p == std::string_view::npos ? std::string_view::npos : p - at));
    if (p == std::string_view::npos) break;
    at = p + 1;
  }
  return out;
}

std::string mask(std::string_view secret) {
  if (secret.size() <= 2) return std::string(secret.size(), '*');
  return std::string(1, secret.front()) + std::string(secret.size() - 2, '*') +
         std::string(1, secret.back());
}

std::string hash_scheme(const std::string& hash) {
  if (hash.rfind("$1$", 0) == 0) return "md5crypt";
  if (hash.rfind("$2", 0) == 0) return "bcrypt";
  if (hash.rfind("$5$", 0) == 0) return "sha256crypt";
  if (hash.rfind("$6$", 0) == 0) return "sha512crypt";
  if (hash.rfind("$y$", 0) == 0) return "yescrypt";
  if (hash.size() == 13 &&
      hash.find_first_not_of("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
          std::string::npos) {
    return "descrypt";
  }
  return "unknown";
}

bool crypt_matches(const std::string& password, const std::string& hash) {
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), hash.c_str(), &data);
  return out && out[0] != '*' && hash == out;
}

struct Account {
  std::string user, hash, file;
  std::string uid, shell;
};

}  // namespace

void check_accounts(const Filesystem& fs, CheckContext& ctx) {
  static const std::vector<std::string> kinds = {"empty-password", "weak-password-hash",
                                                 "default-credential", "hardcoded-credential"};
  std::map<std::string, Account> accounts;  // by file + user
  std::vector<std::string> files;
  for (const auto& e : fs.entries) {
    if (e.type != EntryType::regular) continue;
    const std::string_view name = std::string_view(e.path).substr(e.path.rfind('/') + 1);
    const bool in_etc = e.path.rfind("/etc/", 0) == 0 || e.path.rfind("/var/", 0) == 0;
    const bool is_passwd = name.rfind("passwd", 0) == 0 && name != "passwd.c";
    const bool is_shadow = name.rfind("shadow", 0) == 0;
    if (!in_etc || !(is_passwd || is_shadow) || !looks_like_text(e.data)) continue;
    files.push_back(e.path);
    for (auto line : split_lines(e.data)) {
      if (line.empty() || line.front() == '#') continue;
      const auto fields = split(line, ':');
      if (fields.size() < 2 || fields[0].empty()) continue;
      Account a;
      a.user = fields[0];
      a.hash = fields[1];
      a.file = e.path;
      if (is_passwd && fields.size() >= 7) {
        a.uid = fields[2];
        a.shell = fields[6];
      }
      // In a passwd file "x" defers to shadow.
      if (is_passwd && a.hash == "x") continue;
      accounts[e.path + ":" + a.user] = a;
    }
  }
  std::size_t cracked = 0;
  const auto& dict = *ctx.dictionary;
  for (auto& entry : accounts) {
    Account& a = entry.second;
    json ev = {{"user", a.user}, {"file", a.file}};
    if (a.hash.empty()) {
      add_finding(ctx, "firmware.accounts", "empty-password", a.file,
                  fmt::format("{}: account '{}' has no password", a.file, a.user), ev);
      if (ctx.credentials_seen) ctx.credentials_seen->emplace_back(a.user, "<empty>");
      continue;
    }
    if (a.hash[0] == '*' || a.hash[0] == '!' || a.hash == "x") continue;  // locked
    const std::string scheme = hash_scheme(a.hash);
    ev["scheme"] = scheme;
    if (scheme == "descrypt" || scheme == "md5crypt") {
      add_finding(ctx, "firmware.accounts", "weak-password-hash", a.file,
                  fmt::format("{}: account '{}' uses {}", a.file, a.user, scheme), ev);
    }
    // Slow schemes get the pairs for this user and the most common passwords only.
    const bool slow = scheme != "descrypt" && scheme != "md5crypt";
    std::optional<std::string> found;
    std::set<std::string> tried;
    std::size_t budget = slow ? 64 : 4096;
    auto attempt = [&](const std::string& pw) {
      if (found || tried.size() >= budget || !tried.insert(pw).second) return;
      if (crypt_matches(pw, a.hash)) found = pw;
    };
    for (const auto& c : dict) {
      if (c.user == a.user) attempt(c.password);
    }
    for (const auto& c : dict) attempt(c.password);
    attempt(a.user);
    if (found) {
      ++cracked;
      ev["password_masked"] = mask(*found);
      add_finding(ctx, "firmware.accounts", "default-credential", a.file,
                  fmt::format("{}: account '{}' has the well-known password {} ({})", a.file,
                              a.user, mask(*found), scheme),
                  ev);
      if (ctx.credentials_seen) ctx.credentials_seen->emplace_back(a.user, "password:" + *found);
    } else if (ctx.credentials_seen) {
      ctx.credentials_seen->emplace_back(a.user, "hash:" + a.hash);
    }
    add_finding(
        ctx, "firmware.accounts", "hardcoded-credential", a.file,
        fmt::format(
            "{}: account '{}' ships with a fixed {} password hash, the same on every device",
            a.file, a.user, scheme),
        ev);
  }
  add_check_run(
      ctx, "firmware.accounts", kinds,
      fmt::format(
          "{} account files, {} accounts with passwords, {} cracked with {} dictionary entries",
          files.size(), accounts.size(), cracked, dict.size()));
}

// ---- Secrets ----

namespace {

std::string key_description(EVP_PKEY* key, int& bits) {
  bits = EVP_PKEY_get_bits(key);
  const char* name = EVP_PKEY_get0_type_name(key);
  return name ? name : "unknown";
}

// Dropbear's own host key format: string key type, then the key's mpints (rsa: e, n, d, ...).
bool parse_dropbear_key(Bytes d, std::string& type, int& bits) {
  if (d.size() < 8) return false;
  const std::uint32_t len = be32(d, 0);
  if (len == 0 || len > 64 || 4 + len > d.size()) return false;
  type = std::string(d.substr(4, len));
  if (type.rfind("ssh-", 0) != 0 && type.rfind("ecdsa-", 0) != 0) return false;
  bits = 0;
  if (type == "ssh-rsa" || type == "ssh-dss") {
    std::size_t at = 4 + len;
    const int skip = type == "ssh-rsa" ? 1 : 0;  // rsa: e then n; dss: p first
    for (int k = 0; k <= skip && at + 4 <= d.size(); ++k) {
      const std::uint32_t n = be32(d, at);
      if (at + 4 + n > d.size()) return true;
      if (k == skip) {
        std::size_t lead = 0;
        while (lead < n && d[at + 4 + lead] == 0) ++lead;
        bits = static_cast<int>((n - lead) * 8);
      }
      at += 4 + n;
    }
  } else if (type == "ssh-ed25519") {
    bits = 256;
  } else if (type.find("nistp") != std::string::npos) {
    bits = std::stoi(type.substr(type.find("nistp") + 5));
  }
  return true;
}

std::string sha256_hex(const unsigned char* data, std::size_t size) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

// The same key encoded differently (PKCS#1, PKCS#8, another file name) is the same key: the
// fingerprint is taken over the public key.
std::string public_key_fingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return {};
  std::string fp = sha256_hex(der, static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return fp;
}

void remember_key(CheckContext& ctx, std::string fingerprint, std::string description,
                  const std::string& path, Bytes material) {
  if (!ctx.keys_seen) return;
  if (fingerprint.empty())
    fingerprint =
        sha256_hex(reinterpret_cast<const unsigned char*>(material.data()), material.size());
  ctx.keys_seen->push_back(KeySeen{std::move(fingerprint), std::move(description), path});
}

bool key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `name = value` / `name: "value"` where name ends in a secret-ish word (password, psk, token...).
// Hand-written rather than std::regex: this runs over every configuration line of the image.
std::optional<std::pair<std::string, std::string>> find_assignment(std::string_view line) {
  static const std::string_view words[] = {"password", "passwd", "passphrase", "pwd",     "secret",
                                           "api_key",  "apikey", "token",      "wpa_psk", "psk"};
  std::string lower(line);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  for (auto w : words) {
    for (std::size_t at = lower.find(w); at != std::string::npos; at = lower.find(w, at + 1)) {
      std::size_t end = at + w.size();
      if (end < lower.size() && key_char(lower[end])) continue;  // the word must end the key
      std::size_t start = at;
      while (start > 0 && key_char(lower[start - 1])) --start;
      if (start > 0 &&
          std::string_view(" \t;{,\"'").find(lower[start - 1]) == std::string_view::npos)
        continue;
      std::size_t p = end;
      if (p < line.size() && (line[p] == '"' || line[p] == '\'')) ++p;
      while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
      if (p >= line.size() || (line[p] != '=' && line[p] != ':')) continue;
      ++p;
      while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
      if (p < line.size() && (line[p] == '"' || line[p] == '\'')) ++p;
      std::size_t v = p;
      while (v < line.size() &&
             std::string_view(" \t\"';,<>").find(line[v]) == std::string_view::npos)
        ++v;
      if (v - p < 4) continue;
      return std::make_pair(std::string(line.substr(start, end - start)),
                            std::string(line.substr(p, v - p)));
    }
  }
  return std::nullopt;
}

// http/ftp/tftp URLs whose path names an update (firmware, upgrade, update, ota, fw).
std::vector<std::string> cleartext_update_urls(Bytes text) {
  std::vector<std::string> out;
  for (std::string_view scheme : {"http://", "ftp://", "tftp://"}) {
    for (std::size_t at = text.find(scheme); at != Bytes::npos && out.size() < 32;
         at = text.find(scheme, at + 1)) {
      if (scheme == "ftp://" && at > 0 && text[at - 1] == 't') continue;  // counted as tftp
      std::size_t end = at + scheme.size();
      while (end < text.size() &&
             std::string_view(" \t\r\n\"'<>()").find(text[end]) == std::string_view::npos)
        ++end;
      const std::string url(text.substr(at, end - at));
      const std::size_t slash = url.find('/', scheme.size());
      if (slash == std::string::npos) continue;
      std::string path = url.substr(slash);
      std::transform(path.begin(), path.end(), path.begin(), ::tolower);
      for (std::string_view w : {"firmware", "upgrade", "update", "ota", "fw"}) {
        if (path.find(w) != std::string::npos) {
          out.push_back(url);
          break;
        }
      }
    }
  }
  return out;
}

bool is_config_like(const std::string& path) {
  static const std::vector<std::string_view> exts = {
      ".conf", ".cfg", ".ini", ".json",       ".xml", ".sh", ".txt",
      ".yaml", ".yml", ".env", ".properties", ".lua", ".js"};
  for (auto e : exts) {
    if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return path.rfind("/etc/", 0) == 0 || path.find("/init.d/") != std::string::npos;
}

}  // namespace

void check_secrets(const Filesystem& fs, CheckContext& ctx) {
  std::size_t keys = 0, certs = 0, creds = 0, scanned = 0;

  for (const auto& e : fs.entries) {
    if (e.type != EntryType::regular || e.data.empty()) continue;
    const std::string_view name = std::string_view(e.path).substr(e.path.rfind('/') + 1);
    if (name.rfind("dropbear_", 0) == 0 && name.find("host_key") != std::string_view::npos) {
      std::string type;
      int bits = 0;
      if (parse_dropbear_key(e.data, type, bits)) {
        ++keys;
        add_finding(
            ctx, "firmware.secrets", "private-key-embedded", e.path,
            fmt::format("{}: dropbear {} host private key ({} bits), identical on every device",
                        e.path, type, bits),
            {{"key_type", type}, {"bits", bits}, {"format", "dropbear"}});
        remember_key(ctx, "", fmt::format("dropbear {} host key ({} bits)", type, bits), e.path,
                     e.data);
        continue;
      }
    }
    if (e.data.size() > 4 * 1024 * 1024) continue;
    ++scanned;
    const Bytes d = e.data;
    // PEM blocks anywhere (text files and binaries that embed keys).
    std::size_t at = 0;
    int blocks = 0;
    while ((at = d.find("-----BEGIN ", at)) != Bytes::npos && blocks < 64) {
      ++blocks;
      const std::size_t label_end = d.find("-----", at + 11);
      if (label_end == Bytes::npos || label_end - at > 80) {
        at += 11;
        continue;
      }
      const std::string label(d.substr(at + 11, label_end - at - 11));
      const std::size_t end_marker = d.find("-----END " + label + "-----", label_end);
      if (end_marker == Bytes::npos) {
        at = label_end;
        continue;
      }
      const std::size_t block_end = end_marker + 9 + label.size() + 5;
      const std::string pem(d.substr(at, block_end - at));
      at = block_end;
      // Key material, not a format string in a binary that mentions the markers.
      const std::size_t body = pem.find("-----", 11 + label.size()) + 5;
      const std::size_t base64 =
          std::count_if(pem.begin() + std::min(body, pem.size()), pem.end(), [](char ch) {
            return std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/';
          });
      if (base64 < 64) continue;
      if (label.find("PRIVATE KEY") != std::string::npos) {
        ++keys;
        std::string type = label == "OPENSSH PRIVATE KEY" ? "openssh" : "unknown";
        int bits = 0;
        bool encrypted = label.find("ENCRYPTED") != std::string::npos ||
                         pem.find("Proc-Type: 4,ENCRYPTED") != std::string::npos;
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        auto no_password = [](char*, int, int, void*) { return 0; };
        std::string fingerprint;
        if (EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, no_password, nullptr)) {
          type = key_description(key, bits);
          fingerprint = public_key_fingerprint(key);
          EVP_PKEY_free(key);
        }
        BIO_free(bio);
        remember_key(ctx, fingerprint,
                     fmt::format("{}{} private key{}", encrypted ? "encrypted " : "", type,
                                 bits ? fmt::format(" ({} bits)", bits) : ""),
                     e.path, pem);
        add_finding(
            ctx, "firmware.secrets", "private-key-embedded", e.path,
            fmt::format("{}: {}{} private key{}", e.path, encrypted ? "encrypted " : "", type,
                        bits ? fmt::format(" ({} bits)", bits) : ""),
            {{"key_type", type}, {"bits", bits}, {"encrypted", encrypted}, {"pem_label", label}});
      } else if (label == "CERTIFICATE") {
        ++certs;
        BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
        if (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
          int bits = 0;
          if (EVP_PKEY* pub = X509_get0_pubkey(cert)) bits = EVP_PKEY_get_bits(pub);
          const std::string base = EVP_PKEY_get0_type_name(X509_get0_pubkey(cert))
                                       ? EVP_PKEY_get0_type_name(X509_get0_pubkey(cert))
                                       : "";
          if (base == "RSA" && bits > 0 && bits < 2048) {
            add_finding(ctx, "firmware.secrets", "tls-weak-key", e.path,
                        fmt::format("{}: certificate with a {}-bit RSA key", e.path, bits),
                        {{"bits", bits}});
          }
          X509_free(cert);
        }
        BIO_free(bio);
      }
    }
    if (!is_config_like(e.path) || !looks_like_text(d) || d.size() > 256 * 1024) continue;
    // Templates shipped beside the real file are not used as they are.
    if (name.ends_with(".example") || name.ends_with(".sample") || name.ends_with(".dist"))
      continue;
    if (name == "passwd" || name == "shadow" || name.rfind("passwd", 0) == 0) continue;
    for (auto line : split_lines(d)) {
      if (line.size() > 400) continue;
      const std::size_t first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos || line[first] == '#') continue;
      const auto found = find_assignment(line);
      if (!found) continue;
      const auto& [key, value] = *found;
      std::string lower = value;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      static const std::set<std::string> placeholders = {
          "none",     "null", "true", "false",    "password",
          "required", "yes",  "no",   "optional", "changeme_not_set"};
      if (value[0] == '$' || value[0] == '`' || value[0] == '%' || value[0] == '(' ||
          value[0] == '[' || value[0] == '{' || placeholders.count(lower) ||
          value.find("${") != std::string::npos) {
        continue;
      }
      ++creds;
      add_finding(ctx, "firmware.secrets", "hardcoded-credential", e.path,
                  fmt::format("{}: {} = {}", e.path, key, mask(value)),
                  {{"key", key}, {"value_masked", mask(value)}});
      if (creds > 200) break;
    }
  }
  add_check_run(
      ctx, "firmware.secrets", {"private-key-embedded", "hardcoded-credential", "tls-weak-key"},
      fmt::format(
          "{} files scanned: {} private keys, {} certificates, {} credentials in configuration",
          scanned, keys, certs, creds));
}

// ---- Boot services ----

namespace {

struct BootLine {
  std::string file;
  std::string text;
};

std::string_view basename_of(std::string_view token) {
  const std::size_t slash = token.rfind('/');
  return slash == std::string_view::npos ? token : token.substr(slash + 1);
}

std::vector<std::string_view> tokens_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < s.size()) {
    at = s.find_first_not_of(" \t\"'", at);
    if (at == std::string_view::npos) break;
    std::size_t end = s.find_first_of(" \t\"'", at);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(at, end - at));
    at = end;
  }
  return out;
}

// Whether a boot line executes `program`: as the command of one of its shell pipelines, as the
// process of an inittab entry, an ExecStart= of a unit, the server of an inetd.conf line, or the
// --exec of start-stop-daemon. Mentions in arguments (mkdir /var/run/dropbear) do not count.
bool runs_program(const std::string& file, std::string_view line, std::string_view program) {
  std::string_view l = line;
  if (file == "/etc/inittab") {
    std::size_t colons = 0, at = 0;
    while (colons < 3 && (at = l.find(':', at)) != std::string_view::npos) {
      ++colons;
      ++at;
    }
    if (colons < 3) return false;
    l = l.substr(at);
  }
  if (l.rfind("ExecStart", 0) == 0 && l.find('=') != std::string_view::npos)
    l = l.substr(l.find('=') + 1);
  const bool inetd = file == "/etc/inetd.conf" || file.rfind("/etc/xinetd.d/", 0) == 0;
  std::size_t at = 0;
  while (at <= l.size()) {
    std::size_t end = l.find_first_of(";&|()`", at);
    if (end == std::string_view::npos) end = l.size();
    auto tokens = tokens_of(l.substr(at, end - at));
    std::size_t first = 0;
    while (first < tokens.size() &&
           (tokens[first].find('=') != std::string_view::npos || tokens[first] == "exec" ||
            tokens[first] == "nohup" || tokens[first] == "busybox" || tokens[first] == "-" ||
            tokens[first] == "then" || tokens[first] == "do" || tokens[first] == "else")) {
      ++first;
    }
    if (first < tokens.size()) {
      std::string_view cmd = tokens[first];
      while (!cmd.empty() && (cmd.front() == '-' || cmd.front() == '@')) cmd.remove_prefix(1);
      const std::string_view base = basename_of(cmd);
      if (base == program) return true;
      const bool launcher = base == "start-stop-daemon" || base == "procd_set_param" ||
                            base == "service_start" || base == "udpsvd" || base == "tcpsvd" ||
                            base == "inetd";
      for (std::size_t k = first + 1; k < tokens.size() && (launcher || inetd); ++k) {
        if (basename_of(tokens[k]) == program) return true;
      }
    }
    if (inetd) {
      for (auto t : tokens_of(l)) {
        if (basename_of(t) == program) return true;
      }
    }
    at = end + 1;
  }
  return false;
}

}  // namespace

namespace {

// Well-known daemons of embedded vendors and the kind of finding their being started means.
struct Daemon {
  std::string_view name, kind, what;
};
constexpr Daemon kVendorDaemons[] = {
    {"tddp", "debug-service", "TP-Link Device Debug Protocol daemon (UDP 1040)"},
    {"telnetd", "insecure-service-at-boot", "Telnet server"},
    {"utelnetd", "insecure-service-at-boot", "Telnet server"},
    {"upnpd", "upnp-exposed", "UPnP daemon"},
    {"miniupnpd", "upnp-exposed", "UPnP daemon"},
    {"httpd", "open-service", "web administration server"},
    {"uhttpd", "open-service", "web administration server"},
    {"lighttpd", "open-service", "web administration server"},
    {"mini_httpd", "open-service", "web administration server"},
    {"goahead", "open-service", "web administration server (GoAhead)"},
    {"boa", "open-service", "web administration server (Boa)"},
    {"dropbear", "open-service", "SSH server"},
    {"dnsmasq", "open-service", "DNS/DHCP server"},
    {"dhcpd", "open-service", "DHCP server"},
    {"cwmpd", "open-service", "TR-069 (CWMP) management client"},
    {"tr69c", "open-service", "TR-069 (CWMP) management client"},
    {"lld2d", "open-service", "LLTD responder"},
};

const Entry* find_program(const Filesystem& fs, std::string_view command) {
  if (command.empty()) return nullptr;
  if (command.front() == '/') return resolve(fs, command);
  for (std::string_view dir : {"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"}) {
    if (const Entry* e = resolve(fs, std::string(dir) + std::string(command))) return e;
  }
  return nullptr;
}

// The NUL-terminated printable string around position `at` of a binary, or empty.
std::string_view string_around(Bytes d, std::size_t at) {
  std::size_t start = at, end = at;
  while (start > 0 && at - start < 256 && d[start - 1] != '\0') --start;
  while (end < d.size() && end - at < 256 && d[end] != '\0') ++end;
  if ((start > 0 && d[start - 1] != '\0') || end >= d.size()) return {};
  const Bytes s = d.substr(start, end - start);
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t') return {};
    if (c > 0x7e) return {};
  }
  return s;
}

}  // namespace

void check_boot_services(const Filesystem& fs, CheckContext& ctx) {
  std::vector<BootLine> lines;
  std::vector<std::string> files;
  for (const auto& e : fs.entries) {
    const Entry* file = e.type == EntryType::symlink
                            ? resolve(fs, e.path)
                            : (e.type == EntryType::regular ? &e : nullptr);
    if (!file) continue;
    const std::string& p = e.path;
    const bool boot =
        p == "/etc/inittab" || p == "/etc/inetd.conf" || p.rfind("/etc/init.d/", 0) == 0 ||
        p.rfind("/etc/rc.d/", 0) == 0 || p.rfind("/etc/rc", 0) == 0 ||
        p.rfind("/etc/xinetd.d/", 0) == 0 || p == "/etc/profile" ||
        ((p.rfind("/etc/systemd/", 0) == 0 || p.rfind("/lib/systemd/system/", 0) == 0 ||
          p.rfind("/usr/lib/systemd/system/", 0) == 0) &&
         p.size() > 8 && p.compare(p.size() - 8, 8, ".service") == 0);
    if (!boot || !looks_like_text(file->data) || file->data.size() > 512 * 1024) continue;
    files.push_back(p);
    for (auto line : split_lines(file->data)) {
      const std::size_t first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos || line[first] == '#') continue;
      lines.push_back(BootLine{p, std::string(line.substr(first))});
    }
  }
  struct Service {
    std::string_view word, kind, what;
  };
  static const Service kServices[] = {
      {"telnetd", "insecure-service-at-boot", "Telnet server"},
      {"utelnetd", "insecure-service-at-boot", "Telnet server"},
      {"in.telnetd", "insecure-service-at-boot", "Telnet server"},
      {"ftpd", "insecure-service-at-boot", "FTP server"},
      {"vsftpd", "insecure-service-at-boot", "FTP server"},
      {"tftpd", "insecure-service-at-boot", "TFTP server"},
      {"in.tftpd", "insecure-service-at-boot", "TFTP server"},
      {"udpsvd", "insecure-service-at-boot", "UDP service (BusyBox udpsvd, often tftpd)"},
      {"upnpd", "upnp-exposed", "UPnP daemon"},
      {"miniupnpd", "upnp-exposed", "UPnP daemon"},
      {"tddp", "debug-service", "TP-Link debug protocol daemon"},
      {"adbd", "debug-service", "Android debug bridge"},
  };
  std::set<std::string> reported;
  for (const auto& l : lines) {
    for (const auto& s : kServices) {
      if (!runs_program(l.file, l.text, s.word)) continue;
      const std::string key = std::string(s.word) + l.file;
      if (!reported.insert(key).second) continue;
      add_finding(ctx, "firmware.boot-services", std::string(s.kind), l.file,
                  fmt::format("{}: {} started at boot: {}", l.file, s.what, l.text),
                  {{"service", s.word}, {"line", l.text}});
    }
    if (runs_program(l.file, l.text, "dropbear")) {
      // -s disables password logins; -B allows blank passwords; -g disables them for root.
      const bool no_passwords = l.text.find(" -s") != std::string::npos;
      const bool blank = l.text.find(" -B") != std::string::npos;
      if (!no_passwords && reported.insert("dropbear" + l.file).second) {
        auto& f =
            add_finding(ctx, "firmware.boot-services", "ssh-password-auth", l.file,
                        fmt::format("{}: dropbear started with password logins{}: {}", l.file,
                                    blank ? " and blank passwords allowed (-B)" : "", l.text),
                        {{"service", "dropbear"}, {"line", l.text}, {"blank_passwords", blank}});
        if (blank) f.severity = evidence::Severity::high;
      }
    }
  }
  // Serial console: inittab entries that run a shell directly, or a getty that skips login.
  bool console_checked = false;
  for (const auto& l : lines) {
    if (l.file != "/etc/inittab") continue;
    console_checked = true;
    const auto fields = split(l.text, ':');
    if (fields.size() < 4) continue;
    const std::string& action = fields[2];
    std::string process = fields[3];
    for (std::size_t k = 4; k < fields.size(); ++k) process += ":" + fields[k];
    if (action != "respawn" && action != "askfirst" && action != "once" && action != "sysinit" &&
        action != "wait")
      continue;
    std::string cmd = process;
    if (!cmd.empty() && cmd[0] == '-') cmd.erase(0, 1);
    const std::string prog = cmd.substr(0, cmd.find(' '));
    const std::string base = prog.substr(prog.rfind('/') + 1);
    const bool shell =
        base == "sh" || base == "ash" || base == "bash" || base == "hush" || base == "msh";
    const bool getty_no_login =
        (base == "getty" || base == "agetty") &&
        (cmd.find(" -n") != std::string::npos || cmd.find("-l /bin/sh") != std::string::npos);
    if ((shell && action != "sysinit" && action != "wait") || getty_no_login) {
      add_finding(ctx, "firmware.boot-services", "serial-console-open", l.file,
                  fmt::format("{}: console '{}' runs '{}' without a login", l.file,
                              fields[0].empty() ? "console" : fields[0], process),
                  {{"line", l.text}, {"tty", fields[0]}});
    }
  }
  for (const auto& l : lines) {
    if (l.file.find("serial-getty") != std::string::npos &&
        l.text.find("--autologin") != std::string::npos) {
      add_finding(ctx, "firmware.boot-services", "serial-console-open", l.file,
                  fmt::format("{}: serial getty logs in automatically: {}", l.file, l.text),
                  {{"line", l.text}});
    }
  }
  // Daemons the boot lines start directly that the table above does not judge: inventory.
  std::set<std::string> inventoried;
  for (const auto& l : lines) {
    for (const auto& d : kVendorDaemons) {
      if (d.kind != "open-service" || !runs_program(l.file, l.text, d.name)) continue;
      if (!inventoried.insert(std::string(d.name)).second) continue;
      add_finding(ctx, "firmware.boot-services", "open-service", l.file,
                  fmt::format("{}: {} ({}) started at boot: {}", l.file, d.name, d.what, l.text),
                  {{"service", d.name}, {"line", l.text}});
    }
  }
  // Vendor firmware often starts its daemons from one supervisor binary (TP-Link's `cos &` in rcS
  // runs httpd, upnpd, dropbear and tddp through system()), which no boot file shows. Heuristic:
  // the binaries that boot lines run, and the libraries they link, are searched for strings that
  // read as a command starting a well-known daemon ("tddp &", "dropbear -p %d ...", "httpd"), and
  // the daemon must exist in the filesystem. A string is not proof that the code path runs (it may
  // be a factory-mode branch), so these findings say "heuristic" and carry the string.
  std::vector<std::pair<std::string, const Entry*>> starters;  // path, file
  std::set<std::string> starter_paths;
  for (const auto& l : lines) {
    for (auto token : tokens_of(l.text)) {
      while (!token.empty() && (token.front() == '-' || token.front() == '@'))
        token.remove_prefix(1);
      if (token.empty() || token.find_first_of("=$`<>:") != std::string_view::npos) continue;
      // Only programs the line runs (not its arguments), and never BusyBox: its applet table
      // names every daemon it could be.
      if (!runs_program(l.file, l.text, basename_of(token))) continue;
      const Entry* program = find_program(fs, token);
      if (!program || program->data.size() < 52 ||
          program->data.compare(0, 4,
                                "\x7f"
                                "ELF") != 0 ||
          program->data.find("BusyBox v") != std::string::npos)
        continue;
      const std::string path = token.front() == '/' ? std::string(token) : program->path;
      if (starter_paths.insert(program->path).second) starters.emplace_back(path, program);
    }
  }
  const std::size_t started = starters.size();
  for (std::size_t k = 0; k < started; ++k) {
    const auto info = parse_elf(starters[k].second->data);
    if (!info) continue;
    for (const auto& lib : info->needed) {
      for (std::string_view dir : {"/lib/", "/usr/lib/"}) {
        const Entry* e = resolve(fs, std::string(dir) + lib);
        if (e && starter_paths.insert(e->path).second) {
          starters.emplace_back(e->path + " (linked by " + starters[k].first + ")", e);
          break;
        }
      }
    }
  }
  static const MultiMatcher daemon_names = [] {
    std::vector<std::string_view> names;
    for (const auto& d : kVendorDaemons) names.push_back(d.name);
    return MultiMatcher(names);
  }();
  std::size_t heuristic = 0;
  for (const auto& starter : starters) {
    const std::string& where = starter.first;  // not a structured binding: captured below
    const Entry* file = starter.second;
    daemon_names.scan(file->data, [&](std::size_t k, std::size_t at) {
      const Daemon& d = kVendorDaemons[k];
      const std::string_view str = string_around(file->data, at);
      if (str.empty() || !runs_program("", str, d.name)) return true;
      if (reported.count(std::string(d.name) + "*") || !find_program(fs, d.name)) return true;
      // Started by a boot file already (judged above): nothing new to say.
      bool direct = false;
      for (const auto& r : reported) direct |= r.rfind(std::string(d.name) + "/", 0) == 0;
      if (direct || inventoried.count(std::string(d.name))) return true;
      reported.insert(std::string(d.name) + "*");
      ++heuristic;
      std::string kind(d.kind);
      const bool password_ssh = d.name == "dropbear" && str.find(" -s") == std::string_view::npos &&
                                str.find(' ') != std::string_view::npos;
      if (password_ssh) kind = "ssh-password-auth";
      add_finding(
          ctx, "firmware.boot-services", kind, std::string(where),
          fmt::format("{} ({}) is started by {}, which runs at boot (heuristic: the "
                      "string \"{}\" in that binary)",
                      d.name, d.what, where, str),
          {{"service", d.name}, {"started_by", where}, {"reference", str}, {"heuristic", true}});
      return true;
    });
  }
  add_check_run(ctx, "firmware.boot-services",
                {"insecure-service-at-boot", "serial-console-open", "ssh-password-auth",
                 "upnp-exposed", "debug-service"},
                fmt::format("{} boot files, {} command lines{}; {} boot binaries and libraries "
                            "searched for daemon commands, {} daemons found by that heuristic",
                            files.size(), lines.size(),
                            console_checked ? ", inittab present" : ", no inittab", starters.size(),
                            heuristic));
}

// ---- Update mechanism ----

namespace {
const std::vector<std::string_view> kUpdateMechanisms = {
    "sysupgrade",  "fw_setenv",  "swupdate",         "rauc",       "mender",
    "opkg",        "fwupdate",   "firmware_upgrade", "ota_update", "softup",
    "upgrade.cgi", "fw_upgrade", "mtd write",        "esp_ota"};
const std::vector<std::string_view> kUpdateVerifiers = {
    "usign",          "signify",          "gpgv",
    "dgst -verify",   "rauc verify",      "verify_signature",
    "RSA_verify",     "EVP_DigestVerify", "mbedtls_pk_verify",
    "opkg/keys",      "BEGIN PUBLIC KEY", "esp_secure_boot",
    "mender-artifact"};
}  // namespace

const std::vector<std::string_view>& update_marker_patterns() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> m;
    for (auto p : kUpdateMechanisms) {
      if (p.size() >= 6) m.push_back(p);
    }
    for (auto v : kUpdateVerifiers) m.push_back(v);
    return m;
  }();
  return all;
}

std::vector<const Entry*> update_scanned_files(const std::vector<Filesystem>& filesystems) {
  std::vector<const Entry*> files;
  for (const auto& fs : filesystems)
    for (const auto& e : fs.entries) {
      if (e.type == EntryType::regular && e.data.size() <= 8 * 1024 * 1024) files.push_back(&e);
    }
  return files;
}

void scan_update_urls(Bytes d, UpdateScan& scan) {
  if (looks_like_text(d) && d.size() < 512 * 1024) scan.urls = cleartext_update_urls(d);
}

void check_update(const std::vector<Filesystem>& filesystems, CheckContext& ctx,
                  const std::vector<UpdateScan>* precomputed) {
  const auto& mechanisms = kUpdateMechanisms;
  const auto& verifiers = kUpdateVerifiers;
  std::set<std::string> mech_found, verify_found;
  std::vector<std::pair<std::string, std::string>> insecure_urls;

  std::size_t entries = 0;
  for (const auto& fs : filesystems) entries += fs.entries.size();
  if (entries < 16) {
    evidence::CheckRun run{"firmware.update",
                           ctx.target,
                           std::nullopt,
                           "firmware",
                           evidence::CheckStatus::skipped,
                           {"no-update-mechanism", "update-unsigned", "update-insecure-channel"},
                           fmt::format("no root filesystem in the image ({} entries)", entries)};
    ctx.out->checks.push_back(run);
    return;
  }
  static const MultiMatcher markers(update_marker_patterns());
  const std::vector<const Entry*> files = update_scanned_files(filesystems);
  std::vector<UpdateScan> own;
  if (!precomputed) {
    // The byte scans (every file of the image) run on two threads, each file into its own slot;
    // the results are merged in entry order below.
    own.resize(files.size());
    parallel_for(files.size(), [&](std::size_t k) {
      const Bytes d = files[k]->data;
      markers.scan(d, [&](std::size_t m, std::size_t) {
        own[k].markers |= 1ULL << m;
        return true;
      });
      scan_update_urls(d, own[k]);
    });
  }
  const std::vector<UpdateScan>& scanned = precomputed ? *precomputed : own;
  std::size_t next_file = 0;
  for (const auto& fs : filesystems)
    for (const auto& e : fs.entries) {
      if (e.type != EntryType::regular && e.type != EntryType::symlink) continue;
      const std::string_view base = std::string_view(e.path).substr(e.path.rfind('/') + 1);
      for (auto m : mechanisms) {
        if (base == m || base.find(m) != std::string_view::npos)
          mech_found.insert(std::string(m) + " (" + e.path + ")");
      }
      if (e.path.find("/opkg/keys/") != std::string::npos ||
          e.path.find("/etc/swupdate") != std::string::npos) {
        verify_found.insert(e.path);
      }
      if (next_file == files.size() || files[next_file] != &e) continue;
      const UpdateScan& found = scanned[next_file++];
      for (std::size_t k = 0; k < 64 && (found.markers >> k) != 0; ++k) {
        if (!((found.markers >> k) & 1)) continue;
        const std::string_view m = update_marker_patterns()[k];
        const bool verifier =
            std::find(std::begin(verifiers), std::end(verifiers), m) != std::end(verifiers);
        (verifier ? verify_found : mech_found).insert(std::string(m) + " (in " + e.path + ")");
      }
      for (const auto& u : found.urls) insecure_urls.emplace_back(e.path, u);
    }
  if (mech_found.empty()) {
    add_finding(ctx, "firmware.update", "no-update-mechanism", "",
                "no update tool, script or upgrade handler was found in the filesystem",
                json::object());
  } else if (verify_found.empty()) {
    add_finding(ctx, "firmware.update", "update-unsigned", "",
                fmt::format("update mechanism found ({}) but no sign of signature verification",
                            *mech_found.begin()),
                {{"mechanisms", std::vector<std::string>(mech_found.begin(), mech_found.end())}});
  }
  for (const auto& [path, u] : insecure_urls) {
    add_finding(ctx, "firmware.update", "update-insecure-channel", path,
                fmt::format("{}: update URL {}", path, u), {{"url", u}});
  }
  add_check_run(
      ctx, "firmware.update", {"no-update-mechanism", "update-unsigned", "update-insecure-channel"},
      fmt::format("{} update mechanism signs, {} verification signs, {} cleartext update URLs",
                  mech_found.size(), verify_found.size(), insecure_urls.size()));
}

void check_permissions(const Filesystem& fs, CheckContext& ctx) {
  std::size_t ww = 0, suid = 0;
  for (const auto& e : fs.entries) {
    const bool world_writable =
        (e.mode & 0002) &&
        ((e.type == EntryType::regular) || (e.type == EntryType::directory && !(e.mode & 01000)));
    if (world_writable && ++ww <= 100) {
      add_finding(
          ctx, "firmware.permissions", "world-writable", e.path,
          fmt::format("{}: mode {:04o}{}", e.path, e.mode,
                      e.type == EntryType::directory ? " (directory without sticky bit)" : ""),
          {{"mode", fmt::format("{:04o}", e.mode)}});
    }
    if (e.type == EntryType::regular && (e.mode & 06000) && ++suid <= 100) {
      add_finding(ctx, "firmware.permissions", "setuid-binary", e.path,
                  fmt::format("{}: mode {:04o}, owner uid {}", e.path, e.mode, e.uid),
                  {{"mode", fmt::format("{:04o}", e.mode)}, {"uid", e.uid}});
    }
  }
  add_check_run(
      ctx, "firmware.permissions", {"world-writable", "setuid-binary"},
      fmt::format("{} entries: {} world-writable, {} setuid/setgid", fs.entries.size(), ww, suid));
}

}  // namespace kensa::firmware::detail
