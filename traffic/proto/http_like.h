#pragma once
// HTTP/1.x message heads, shared by HTTP and RTSP (RFC 2326 reuses HTTP's syntax).
#include <memory>
#include <string>

#include "traffic/dissector.h"

namespace kensa::traffic {

// `service` is "http" or "rtsp": it names the findings and the check.
std::unique_ptr<Session> make_http_like_session(std::string service);
// A request line "METHOD target PROTOCOL/x.y" whose protocol is `protocol` ("HTTP/" or "RTSP/").
bool looks_like_request(std::string_view text, std::string_view protocol);

}  // namespace kensa::traffic
