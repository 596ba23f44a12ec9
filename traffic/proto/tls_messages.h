#pragma once
// TLS/DTLS handshake messages shared by the TLS (TCP) and DTLS (UDP) dissectors.
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

// Parses a ClientHello (type 1) or ServerHello (type 2) body. Returns false when malformed.
bool parse_hello(Bytes body, bool client, bool dtls, TlsHello& hello);
// Reports each certificate of a Certificate message body (TLS 1.2 and earlier layout).
void report_certificates(Context& ctx, Bytes body, bool dtls);

}  // namespace kensa::traffic
