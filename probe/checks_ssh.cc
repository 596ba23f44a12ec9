// SSH checks: algorithms from the server's KEXINIT (read by hand: it is sent in clear before any
// key exchange), and authentication methods and default passwords with libssh.
#include <libssh/libssh.h>

#include <thread>

#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;

namespace {

awaitable<void> algorithms(CheckContext& ctx) {
  auto conn = co_await ctx.open();
  if (!conn) co_return;
  std::string buffer, protocol, software;
  std::size_t consumed = 0;
  IoStatus s = co_await conn->read_until(buffer, 8192, ctx.deadline, [&](std::string_view b) {
    return wire::parse_ssh_identification(b, protocol, software, consumed);
  });
  if (s != IoStatus::ok) {
    ctx.incomplete(s, "SSH identification line (" + wire::printable(buffer, 40) + ")");
    co_return;
  }
  buffer.erase(0, consumed);
  if (co_await conn->write("SSH-2.0-kensa_probe\r\n", ctx.deadline) != IoStatus::ok) co_return;
  co_await conn->write(wire::ssh_client_kexinit_packet(), ctx.deadline);
  wire::SshKexInit kex;
  s = co_await conn->read_until(buffer, 40000, ctx.deadline, [&](std::string_view b) {
    return wire::parse_ssh_kexinit(b, kex, consumed);
  });
  if (s != IoStatus::ok) {
    ctx.incomplete(s, "SSH KEXINIT");
    co_return;
  }
  static const std::vector<std::string> broken = {"diffie-hellman-group1-sha1",
                                                  "diffie-hellman-group-exchange-sha1",
                                                  "ssh-dss",
                                                  "3des-cbc",
                                                  "arcfour",
                                                  "arcfour128",
                                                  "arcfour256",
                                                  "blowfish-cbc",
                                                  "cast128-cbc",
                                                  "des-cbc",
                                                  "none",
                                                  "hmac-md5",
                                                  "hmac-md5-96",
                                                  "hmac-sha1-96",
                                                  "hmac-md5-etm@openssh.com",
                                                  "rijndael-cbc@lysator.liu.se"};
  std::vector<std::string> weak;
  for (const auto* list : {&kex.kex, &kex.host_key, &kex.cipher_s2c, &kex.mac_s2c}) {
    for (const auto& a : *list) {
      if (std::find(broken.begin(), broken.end(), a) != broken.end()) weak.push_back(a);
    }
  }
  nlohmann::json ev = {{"kex", kex.kex},
                       {"host_key", kex.host_key},
                       {"ciphers", kex.cipher_s2c},
                       {"macs", kex.mac_s2c}};
  if (!weak.empty()) {
    std::string list;
    for (const auto& w : weak) list += (list.empty() ? "" : ", ") + w;
    ctx.add("ssh-weak-algorithm", "SSH offers broken algorithms: " + list,
            software + " offers " + list, ev);
  } else {
    ctx.note(software + ": no broken algorithm offered");
  }
}

struct AuthResult {
  std::string error;
  int methods = 0;
  bool none_accepted = false;
  std::string accepted_user, accepted_password, source;
  std::size_t tried = 0;
  bool timed_out = false;
};

// Blocking libssh work, on a thread of its own; bounded by libssh's timeout and `deadline`.
AuthResult ssh_auth_blocking(const std::string& host, int port, Clock::time_point deadline,
                             const std::vector<Credential>& dict) {
  AuthResult out;
  auto session_for = [&]() -> ssh_session {
    ssh_session s = ssh_new();
    long timeout = 3;
    int verbosity = SSH_LOG_NOLOG;
    ssh_options_set(s, SSH_OPTIONS_HOST, host.c_str());
    ssh_options_set(s, SSH_OPTIONS_PORT, &port);
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
    ssh_options_set(s, SSH_OPTIONS_USER, "root");
    return s;
  };
  ssh_session s = session_for();
  if (ssh_connect(s) != SSH_OK) {
    out.error = ssh_get_error(s);
    ssh_free(s);
    return out;
  }
  const int rc = ssh_userauth_none(s, nullptr);
  if (rc == SSH_AUTH_SUCCESS) {
    out.none_accepted = true;
  } else {
    out.methods = ssh_userauth_list(s, nullptr);
  }
  ssh_disconnect(s);
  ssh_free(s);
  if (out.none_accepted || !(out.methods & SSH_AUTH_METHOD_PASSWORD)) return out;
  // Password authentication is offered: try the dictionary, a few tries per connection.
  ssh_session cur = nullptr;
  int on_connection = 0;
  for (const auto& c : dict) {
    if (Clock::now() >= deadline) {
      out.timed_out = true;
      break;
    }
    if (c.user.empty()) continue;
    if (!cur || on_connection >= 3) {
      if (cur) {
        ssh_disconnect(cur);
        ssh_free(cur);
      }
      cur = session_for();
      on_connection = 0;
      if (ssh_connect(cur) != SSH_OK) {
        out.error = ssh_get_error(cur);
        break;
      }
      ssh_userauth_none(cur, c.user.c_str());
    }
    ++on_connection;
    ++out.tried;
    if (ssh_userauth_password(cur, c.user.c_str(), c.password.c_str()) == SSH_AUTH_SUCCESS) {
      out.accepted_user = c.user;
      out.accepted_password = c.password;
      out.source = c.source;
      break;
    }
  }
  if (cur) {
    ssh_disconnect(cur);
    ssh_free(cur);
  }
  return out;
}

void ssh_auth_thread(std::string host, int port, Clock::time_point deadline,
                     std::vector<Credential> dict, asio::any_io_executor executor,
                     std::shared_ptr<asio::steady_timer> done, std::shared_ptr<AuthResult> result) {
  AuthResult r = ssh_auth_blocking(host, port, deadline, dict);
  asio::post(executor, [done, result, r = std::move(r)]() mutable {
    *result = std::move(r);
    done->cancel();
  });
}

awaitable<void> auth(CheckContext& ctx) {
  // The identification must arrive before libssh gets the socket's time (hostile drip servers).
  {
    auto conn = co_await ctx.open();
    if (!conn) co_return;
    std::string buffer, protocol, software;
    std::size_t consumed = 0;
    IoStatus s = co_await conn->read_until(
        buffer, 8192, std::min(ctx.deadline, Clock::now() + 3s), [&](std::string_view b) {
          return wire::parse_ssh_identification(b, protocol, software, consumed);
        });
    if (s != IoStatus::ok) {
      ctx.incomplete(s, "SSH identification line");
      co_return;
    }
  }
  const std::string host = ctx.target();
  const int port = ctx.port.port;
  const auto deadline = ctx.deadline;
  std::vector<Credential> dict;
  if (ctx.scanner.options().credentials) dict = ctx.scanner.dictionary();
  // libssh blocks: it runs on a thread of its own while this coroutine waits for its result.
  auto executor = co_await asio::this_coro::executor;
  auto done = std::make_shared<asio::steady_timer>(executor, Clock::time_point::max());
  auto result = std::make_shared<AuthResult>();
  std::thread(&ssh_auth_thread, host, port, deadline, std::move(dict), executor, done, result)
      .detach();
  co_await done->async_wait(use_tuple);
  const AuthResult r = *result;
  if (r.none_accepted) {
    ctx.add("no-authentication", "SSH accepts the 'none' authentication method",
            "ssh_userauth_none succeeded");
    co_return;
  }
  if (!r.error.empty() && r.methods == 0) {
    ctx.incomplete(evidence::CheckStatus::error, "libssh: " + r.error);
    co_return;
  }
  std::vector<std::string> methods;
  if (r.methods & SSH_AUTH_METHOD_PASSWORD) methods.push_back("password");
  if (r.methods & SSH_AUTH_METHOD_PUBLICKEY) methods.push_back("publickey");
  if (r.methods & SSH_AUTH_METHOD_INTERACTIVE) methods.push_back("keyboard-interactive");
  if (r.methods & SSH_AUTH_METHOD_HOSTBASED) methods.push_back("hostbased");
  std::string list;
  for (const auto& m : methods) list += (list.empty() ? "" : ",") + m;
  if (r.methods & SSH_AUTH_METHOD_PASSWORD) {
    ctx.add("ssh-password-auth", "SSH accepts password authentication", "methods offered: " + list,
            {{"methods", methods}});
  }
  if (!r.accepted_user.empty()) {
    ctx.add("default-credential",
            "SSH accepts the default login " + r.accepted_user + "/" + mask(r.accepted_password),
            "password authentication succeeded", {{"user", r.accepted_user}, {"source", r.source}});
  } else if (r.timed_out) {
    ctx.incomplete(evidence::CheckStatus::timeout,
                   "time budget spent after " + std::to_string(r.tried) + " pairs");
  } else if (!r.error.empty()) {
    ctx.incomplete(evidence::CheckStatus::error,
                   "libssh after " + std::to_string(r.tried) + " pairs: " + r.error);
  } else {
    ctx.note("methods " + list +
             pick(r.methods & SSH_AUTH_METHOD_PASSWORD,
                  "; no dictionary pair accepted (" + std::to_string(r.tried) + " tried)",
                  "; no password authentication, so no default password can apply"));
  }
}

}  // namespace

std::vector<Check> ssh_checks() {
  return {
      {{"probe.ssh.algorithms",
        "SSH algorithms",
        "ssh",
        Safety::safe,
        5s,
        {"ssh-weak-algorithm"},
        {"en303645:5.5-1"},
        "Reads the server's KEXINIT and reports broken key exchange, host key, cipher and MAC "
        "algorithms "
        "(group1/gex-sha1, DSS, 3DES, RC4, Blowfish, CAST, MD5, SHA1-96)."},
       &algorithms},
      {{"probe.ssh.default-credential",
        "SSH authentication methods and default passwords",
        "ssh",
        Safety::safe,
        40s,
        {"ssh-password-auth", "no-authentication", "default-credential"},
        {"en303645:5.1-1", "en303645:5.1-3"},
        "Lists the methods offered after 'none' (libssh); when password authentication is offered, "
        "tries the "
        "dictionary, three tries per connection."},
       &auth},
  };
}

}  // namespace kensa::probe
