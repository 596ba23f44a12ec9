// RTSP (RFC 2326/7826): camera streams; Basic and Digest authorization like HTTP.
#include "traffic/proto/http_like.h"

namespace kensa::traffic {

namespace {

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir dir, Bytes data) {
  const std::string_view text = as_text(data);
  if (dir == kToServer && looks_like_request(text, "RTSP/")) return make_http_like_session("rtsp");
  if (port_is(flow, {554, 8554}) && dir == kToClient && text.starts_with("RTSP/")) {
    return make_http_like_session("rtsp");
  }
  return nullptr;
}

}  // namespace

extern const Dissector kRtsp{"rtsp", Transport::tcp, &accept};

}  // namespace kensa::traffic
