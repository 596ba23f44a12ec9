#include "traffic/proto/http_like.h"

#include <openssl/evp.h>

#include <charconv>

#include "traffic/checks.h"

namespace kensa::traffic {

namespace {

constexpr std::size_t kMaxHead = 16 * 1024;
constexpr std::size_t kMaxFormBody = 8 * 1024;
constexpr int kMaxMessages = 64;  // per direction; enough for log-ins, bounded work on long flows

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Calls fn(name, value) for every "Name: value" line of an HTTP/RTSP header block, from `pos` (the
// start of the line after the request or status line) to the end of `head`.
template <typename Fn>
void for_each_header(std::string_view head, std::size_t pos, Fn&& fn) {
  while (pos < head.size()) {
    const auto next = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, next - pos);
    pos = next == std::string_view::npos ? head.size() : next + 2;
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) fn(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
}

std::string base64_decode(std::string_view in) {
  in = trim(in);
  if (in.empty() || in.size() > 4096 || in.size() % 4 != 0) return {};
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return {};
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

// Value of `key="..."` or `key=...` inside a Digest header.
std::string digest_param(std::string_view header, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = header.find(key, pos)) != std::string_view::npos) {
    const bool boundary = pos == 0 || header[pos - 1] == ' ' || header[pos - 1] == ',';
    const std::size_t eq = pos + key.size();
    if (boundary && eq < header.size() && header[eq] == '=') {
      std::string_view rest = header.substr(eq + 1);
      if (!rest.empty() && rest.front() == '"') {
        rest.remove_prefix(1);
        return std::string(rest.substr(0, rest.find('"')));
      }
      return std::string(trim(rest.substr(0, rest.find(','))));
    }
    pos = eq;
  }
  return {};
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
      } else {
        out += s[i];
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

bool is_user_field(std::string_view k) {
  for (auto n : {"user", "username", "login", "email", "name", "uname", "userid", "user_name",
                 "account", "usr"}) {
    if (k.size() == std::string_view(n).size() && starts_with_nocase(k, n)) return true;
  }
  return false;
}
bool is_password_field(std::string_view k) {
  for (auto n :
       {"password", "pass", "pwd", "passwd", "passphrase", "pw", "secret", "user_password"}) {
    if (k.size() == std::string_view(n).size() && starts_with_nocase(k, n)) return true;
  }
  return false;
}

class HttpLikeSession final : public Session {
 public:
  explicit HttpLikeSession(std::string service) : service_(std::move(service)) {}

  std::size_t stream(Context& ctx, Dir dir, Bytes data) override {
    const std::string_view text = as_text(data);
    if (dir == kToServer && form_wait_ > 0) {
      if (text.size() < form_wait_) return 0;
      form(ctx, text.substr(0, form_wait_));
      const std::size_t used = form_wait_;
      form_wait_ = 0;
      return used;
    }
    const auto end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (text.size() > kMaxHead) wants[dir] = false;
      return 0;
    }
    const std::string_view head = text.substr(0, end + 2);
    if (++messages_[dir] > kMaxMessages) wants[dir] = false;
    if (dir == kToServer) {
      request(ctx, head);
    } else {
      response(ctx, dir, head);
    }
    return end + 4;
  }

 private:
  void request(Context& ctx, std::string_view head) {
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 <= sp1) {
      wants[kToServer] = false;
      return;
    }
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (!counted_) {
      counted_ = true;
      ctx.observer.examined("traffic." + service_ + ".credentials", service_ + " connection");
      ctx.observer.cleartext_service(ctx, service_);
    }
    std::string_view host, content_type;
    std::size_t content_length = 0;
    bool has_length = false;
    for_each_header(head, line_end + 2, [&](std::string_view name, std::string_view value) {
      auto is = [&](std::string_view n) {
        return name.size() == n.size() && starts_with_nocase(name, n);
      };
      if (is("Authorization") || is("Proxy-Authorization")) {
        authorization(ctx, value);
      } else if (is("Host")) {
        host = value;
      } else if (is("User-Agent")) {
        ctx.observer.device_attribute(ctx.flow.client,
                                      ctx.flow.has_mac ? &ctx.flow.client_mac : nullptr,
                                      service_ + "_user_agent", value);
      } else if (is("Content-Length")) {
        std::from_chars(value.data(), value.data() + value.size(), content_length);
        has_length = true;
      } else if (is("Content-Type")) {
        content_type = value;
      }
    });
    if (!host.empty()) {
      ctx.observer.device_attribute(ctx.flow.client,
                                    ctx.flow.has_mac ? &ctx.flow.client_mac : nullptr,
                                    service_ + "_host", host);
    }
    if (service_ == "http") {
      for (auto w : {"firmware", "update", "upgrade", "/ota", "fota"}) {
        if (contains_nocase(target, w)) {
          ctx.observer.update_check(ctx, "http",
                                    std::string(host) + std::string(target.substr(0, 200)), false);
          break;
        }
      }
    }
    // The query of a GET log-in form carries the same fields as a POST body.
    if (const auto q = target.find('?'); q != std::string_view::npos)
      form(ctx, target.substr(q + 1));
    if (has_length && content_length > 0) {
      if (starts_with_nocase(content_type, "application/x-www-form-urlencoded") &&
          content_length <= kMaxFormBody && (method == "POST" || method == "PUT")) {
        form_wait_ = content_length;
      } else {
        skip[kToServer] = content_length;
      }
    }
  }

  void response(Context& ctx, Dir dir, std::string_view head) {
    const bool is_reply = starts_with_nocase(head, "HTTP/") || starts_with_nocase(head, "RTSP/");
    if (!is_reply) {
      wants[dir] = false;
      return;
    }
    std::size_t content_length = 0;
    bool has_length = false, chunked = false;
    for_each_header(
        head, head.find("\r\n") + 2, [&](std::string_view name, std::string_view value) {
          auto is = [&](std::string_view n) {
            return name.size() == n.size() && starts_with_nocase(name, n);
          };
          if (is("Server")) {
            ctx.observer.device_attribute(ctx.flow.server, nullptr, service_ + "_server", value);
          } else if (is("Content-Length")) {
            std::from_chars(value.data(), value.data() + value.size(), content_length);
            has_length = true;
          } else if (is("Transfer-Encoding") && contains_nocase(value, "chunked")) {
            chunked = true;
          }
        });
    if (chunked ||
        (!has_length && service_ == "http" && !contains_nocase(head.substr(0, 12), " 204") &&
         !contains_nocase(head.substr(0, 13), " 304"))) {
      wants[dir] = false;  // body length unknown: the rest of this direction is not needed
    } else {
      skip[dir] = content_length;
    }
  }

  void authorization(Context& ctx, std::string_view value) {
    if (starts_with_nocase(value, "Basic ")) {
      const std::string decoded = base64_decode(value.substr(6));
      const auto colon = decoded.find(':');
      ctx.observer.credential(
          ctx, service_, "Basic", decoded.substr(0, colon),
          colon == std::string::npos ? std::string() : decoded.substr(colon + 1));
    } else if (starts_with_nocase(value, "Digest ")) {
      ctx.observer.credential(
          ctx, service_, "Digest", digest_param(value, "username"), digest_param(value, "response"),
          "digest response over clear text: user name exposed, password crackable offline");
    } else if (starts_with_nocase(value, "Bearer ")) {
      ctx.observer.credential(ctx, service_, "Bearer", "", trim(value.substr(7)));
    } else {
      const auto sp = value.find(' ');
      ctx.observer.credential(ctx, service_,
                              std::string(value.substr(0, std::min<std::size_t>(sp, 20))), "",
                              sp == std::string_view::npos ? value : value.substr(sp + 1));
    }
  }

  void form(Context& ctx, std::string_view body) {
    std::string user, password;
    bool has_password = false;
    std::size_t pos = 0;
    while (pos <= body.size()) {
      const auto amp = body.find('&', pos);
      const std::string_view pair =
          body.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos) {
        const std::string key = url_decode(pair.substr(0, eq));
        if (is_user_field(key)) user = url_decode(pair.substr(eq + 1));
        if (is_password_field(key)) {
          password = url_decode(pair.substr(eq + 1));
          has_password = true;
        }
      }
      if (amp == std::string_view::npos) break;
      pos = amp + 1;
    }
    if (has_password) ctx.observer.credential(ctx, service_, "login form", user, password);
  }

  std::string service_;
  bool counted_ = false;
  int messages_[2] = {0, 0};
  std::size_t form_wait_ = 0;
};

}  // namespace

std::unique_ptr<Session> make_http_like_session(std::string service) {
  return std::make_unique<HttpLikeSession>(std::move(service));
}

bool looks_like_request(std::string_view text, std::string_view protocol) {
  const auto eol = text.find("\r\n");
  const std::string_view line = text.substr(0, std::min<std::size_t>(eol, 2048));
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp > 16) return false;
  for (std::size_t i = 0; i < sp; ++i) {
    if (line[i] < 'A' || line[i] > 'Z') {
      if (line[i] != '_' && line[i] != '-') return false;
    }
  }
  const auto last = line.rfind(' ');
  if (last == sp)
    return eol == std::string_view::npos && text.size() < 2048;  // line not complete yet
  return line.substr(last + 1).starts_with(protocol);
}

}  // namespace kensa::traffic
