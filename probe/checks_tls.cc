// TLS checks with OpenSSL: protocol versions accepted, weak cipher suites, and the certificate.
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;

namespace {

// STARTTLS: the protocols whose plain connection can be upgraded, and so fed to the TLS checks.
bool upgradable(const Service& service) { return !service.tls && service.name == "ftp"; }

// FTP AUTH TLS (RFC 4217): greeting, AUTH TLS, 234. `reply` receives the server's answer.
awaitable<IoStatus> ftp_auth_tls(CheckContext& ctx, Conn& conn, std::string& reply) {
  std::string buffer;
  wire::Reply r;
  std::size_t consumed = 0;
  auto read_reply = [&]() -> awaitable<IoStatus> {
    IoStatus s = co_await conn.read_until(buffer, 16 * 1024, ctx.deadline, [&](std::string_view b) {
      return wire::parse_reply(b, r, consumed);
    });
    if (s == IoStatus::ok) buffer.erase(0, consumed);
    co_return s;
  };
  IoStatus s = co_await read_reply();
  if (s != IoStatus::ok) co_return s;
  if (r.code != 220) {
    reply = r.text;
    co_return IoStatus::error;
  }
  s = co_await conn.write("AUTH TLS\r\n", ctx.deadline);
  if (s == IoStatus::ok) s = co_await read_reply();
  reply = wire::printable(r.text, 120);
  if (s == IoStatus::ok && r.code != 234) s = IoStatus::error;
  co_return s;
}

// One handshake with the given limits; ok and the session's SSL* while `conn` lives. On a plain
// protocol with STARTTLS, the upgrade comes first.
awaitable<IoStatus> handshake(CheckContext& ctx, asio::ssl::context& tls,
                              std::unique_ptr<Conn>& conn, std::string* why) {
  const bool was_tls = ctx.port.service.tls;
  ctx.port.service.tls = false;  // open() must give the bare TCP connection
  conn = co_await ctx.open();
  ctx.port.service.tls = was_tls;
  if (!conn) co_return IoStatus::error;
  if (upgradable(ctx.port.service)) {
    std::string reply;
    const IoStatus s = co_await ftp_auth_tls(ctx, *conn, reply);
    if (s != IoStatus::ok) {
      if (why) *why = "AUTH TLS: " + reply;
      conn.reset();
      co_return s;
    }
  }
  co_return co_await conn->start_tls(tls, std::min(ctx.deadline, Clock::now() + 3s), why);
}

// Whether the plain service offers the upgrade; false with a note (not a failure) when it does not.
awaitable<bool> starttls_offered(CheckContext& ctx) {
  auto conn = co_await ctx.open();
  if (!conn) co_return false;
  std::string reply;
  const IoStatus s = co_await ftp_auth_tls(ctx, *conn, reply);
  if (s == IoStatus::error && !reply.empty()) {
    ctx.note("AUTH TLS not offered (" + reply + "); nothing to measure");
    co_return false;
  }
  if (s != IoStatus::ok) {
    ctx.incomplete(s, "FTP AUTH TLS");
    co_return false;
  }
  co_return true;
}

awaitable<void> versions(CheckContext& ctx) {
  struct V {
    int version;
    const char* name;
    bool legacy;
  };
  const V all[] = {{TLS1_VERSION, "TLS 1.0", true},
                   {TLS1_1_VERSION, "TLS 1.1", true},
                   {TLS1_2_VERSION, "TLS 1.2", false},
                   {TLS1_3_VERSION, "TLS 1.3", false}};
  std::vector<std::string> accepted;
  int answered = 0;
  for (const auto& v : all) {
    auto tls = permissive_tls_context(v.version, v.version);
    std::unique_ptr<Conn> conn;
    std::string why;
    const IoStatus s = co_await handshake(ctx, *tls, conn, &why);
    if (s == IoStatus::ok) {
      ++answered;
      accepted.push_back(v.name);
      if (v.legacy) {
        ctx.add("tls-legacy-version", std::string(v.name) + " is accepted",
                std::string("handshake limited to ") + v.name + " completed with " +
                    SSL_get_cipher(conn->ssl()),
                {{"version", v.name}, {"cipher", SSL_get_cipher(conn->ssl())}});
      }
    } else if (s == IoStatus::error && conn) {
      ++answered;  // a TLS refusal (alert) is an answer
      if (why.find("wrong version number") != std::string::npos ||
          why.find("packet length too long") != std::string::npos ||
          why.find("record layer failure") != std::string::npos) {
        --answered;  // not TLS at all
      }
    } else if (!conn) {
      co_return;  // could not connect: status already set
    }
  }
  if (accepted.empty()) {
    ctx.incomplete(evidence::CheckStatus::error,
                   "no TLS version could complete a handshake" +
                       pick(answered, "", " (the answers were not TLS)"));
    co_return;
  }
  std::string list;
  for (const auto& a : accepted) list += (list.empty() ? "" : ", ") + a;
  ctx.note("accepted: " + list);
  if (answered > 0 && ctx.status == evidence::CheckStatus::completed)
    ctx.detail = "accepted: " + list;
}

awaitable<void> ciphers(CheckContext& ctx) {
  // Suites no current profile allows: NULL, anonymous, EXPORT, DES, 3DES, RC4, and MD5 MACs.
  auto weak = permissive_tls_context(TLS1_VERSION, TLS1_2_VERSION,
                                     "eNULL:aNULL:EXPORT:DES:3DES:RC4:MD5:!TLSv1.3:@SECLEVEL=0");
  std::unique_ptr<Conn> conn;
  std::string why;
  IoStatus s = co_await handshake(ctx, *weak, conn, &why);
  if (!conn) co_return;
  if (s == IoStatus::ok) {
    const std::string name = SSL_get_cipher(conn->ssl());
    ctx.add(
        "tls-weak-cipher", "Weak cipher suite accepted: " + name,
        "a ClientHello offering only NULL/anon/EXPORT/DES/3DES/RC4/MD5 suites was accepted with " +
            name,
        {{"cipher", name}, {"version", SSL_get_version(conn->ssl())}});
    co_return;
  }
  // Refused: prove the port speaks TLS with a normal offer, so the refusal means something.
  auto normal = permissive_tls_context();
  std::unique_ptr<Conn> probe;
  s = co_await handshake(ctx, *normal, probe, &why);
  if (s != IoStatus::ok) {
    ctx.incomplete(s, "TLS handshake" + pick(why.empty(), "", " (" + why + ")"));
    co_return;
  }
  ctx.note(std::string("weak suites refused; normal handshake uses ") +
           SSL_get_cipher(probe->ssl()));
}

awaitable<void> certificate(CheckContext& ctx) {
  auto tls = permissive_tls_context();
  std::unique_ptr<Conn> conn;
  std::string why;
  const IoStatus s = co_await handshake(ctx, *tls, conn, &why);
  if (s != IoStatus::ok) {
    if (conn || ctx.status == evidence::CheckStatus::completed) {
      ctx.incomplete(s, "TLS handshake" + pick(why.empty(), "", " (" + why + ")"));
    }
    co_return;
  }
  X509* cert = SSL_get1_peer_certificate(conn->ssl());
  if (!cert) {
    ctx.incomplete(evidence::CheckStatus::error, "no server certificate (anonymous suite)");
    co_return;
  }
  std::unique_ptr<X509, decltype(&X509_free)> guard(cert, &X509_free);
  char subject[256] = {0};
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject - 1);
  nlohmann::json ev = {{"subject", subject}};
  if (X509_check_issued(cert, cert) == X509_V_OK) {
    ctx.add("tls-self-signed", "Certificate is self-signed",
            std::string("subject = issuer: ") + subject, ev);
  }
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0 ||
      X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
    ASN1_TIME* na = const_cast<ASN1_TIME*>(X509_get0_notAfter(cert));
    std::string until(reinterpret_cast<const char*>(ASN1_STRING_get0_data(na)),
                      static_cast<std::size_t>(ASN1_STRING_length(na)));
    ctx.add("tls-expired", "Certificate is expired or not yet valid", "notAfter " + until, ev);
  }
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    const int bits = EVP_PKEY_get_bits(key);
    const int id = EVP_PKEY_get_base_id(key);
    const bool weak =
        (id == EVP_PKEY_RSA || id == EVP_PKEY_DSA || id == EVP_PKEY_DH) ? bits < 2048 : bits < 224;
    if (weak) {
      ctx.add("tls-weak-key", "Certificate key is " + std::to_string(bits) + " bits",
              std::string(OBJ_nid2sn(id)) + " " + std::to_string(bits) + " bits", {{"bits", bits}});
    }
  }
  const int sig = X509_get_signature_nid(cert);
  int digest = NID_undef, pkey = NID_undef;
  OBJ_find_sigid_algs(sig, &digest, &pkey);
  if (digest == NID_md5 || digest == NID_sha1 || digest == NID_md2 || digest == NID_md4) {
    ctx.add("tls-weak-signature", std::string("Certificate signed with ") + OBJ_nid2sn(digest),
            std::string("signature algorithm ") + OBJ_nid2ln(sig),
            {{"signature", OBJ_nid2sn(sig)}});
  }
  const std::string address = ctx.target();
  if (X509_check_ip_asc(cert, address.c_str(), 0) != 1) {
    ctx.add("tls-name-mismatch", "Certificate does not name " + address,
            std::string("subject ") + subject, ev);
  }
}

// The result of co_await goes to a local first: GCC 12 -O2 emitted a trap (SIGILL on entry) for
// `if (co_await a()) co_await b();` in these one-statement coroutines (release build, lab scan).
awaitable<void> starttls_versions(CheckContext& ctx) {
  const bool offered = co_await starttls_offered(ctx);
  if (offered) co_await versions(ctx);
}
awaitable<void> starttls_ciphers(CheckContext& ctx) {
  const bool offered = co_await starttls_offered(ctx);
  if (offered) co_await ciphers(ctx);
}
awaitable<void> starttls_certificate(CheckContext& ctx) {
  const bool offered = co_await starttls_offered(ctx);
  if (offered) co_await certificate(ctx);
}

}  // namespace

std::vector<Check> tls_checks() {
  return {
      {{"probe.tls.versions",
        "TLS protocol versions accepted",
        "tls",
        Safety::safe,
        10s,
        {"tls-legacy-version"},
        {"en303645:5.5-1"},
        "One handshake per version (TLS 1.0 to 1.3); TLS 1.0 and 1.1 accepted are findings."},
       &versions},
      {{"probe.tls.ciphers",
        "Weak TLS cipher suites",
        "tls",
        Safety::safe,
        8s,
        {"tls-weak-cipher"},
        {"en303645:5.5-1"},
        "Offers only NULL, anonymous, EXPORT, DES, 3DES, RC4 and MD5 suites; a completed handshake "
        "is a finding."},
       &ciphers},
      {{"probe.tls.certificate",
        "TLS certificate",
        "tls",
        Safety::safe,
        6s,
        {"tls-self-signed", "tls-expired", "tls-weak-key", "tls-weak-signature",
         "tls-name-mismatch"},
        {"en303645:5.5-1"},
        "Self-signed, expired or not yet valid, RSA/DSA keys under 2048 bits, MD5/SHA-1 "
        "signatures, and whether "
        "it names the address it was reached at."},
       &certificate},
      // The same three over an upgraded plain connection (STARTTLS).
      {{"probe.ftp.starttls.versions",
        "FTP AUTH TLS: protocol versions accepted",
        "ftp",
        Safety::safe,
        10s,
        {"tls-legacy-version"},
        {"en303645:5.5-1"},
        "AUTH TLS (RFC 4217), then one handshake per version as probe.tls.versions; a server "
        "without AUTH TLS is noted, not failed (probe.cleartext reports plain FTP)."},
       &starttls_versions},
      {{"probe.ftp.starttls.ciphers",
        "FTP AUTH TLS: weak cipher suites",
        "ftp",
        Safety::safe,
        8s,
        {"tls-weak-cipher"},
        {"en303645:5.5-1"},
        "AUTH TLS, then the weak-suite offer of probe.tls.ciphers."},
       &starttls_ciphers},
      {{"probe.ftp.starttls.certificate",
        "FTP AUTH TLS: certificate",
        "ftp",
        Safety::safe,
        6s,
        {"tls-self-signed", "tls-expired", "tls-weak-key", "tls-weak-signature",
         "tls-name-mismatch"},
        {"en303645:5.5-1"},
        "AUTH TLS, then the certificate checks of probe.tls.certificate."},
       &starttls_certificate},
  };
}

}  // namespace kensa::probe
