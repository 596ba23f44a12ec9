// HTTP/1.x: Basic, Digest and bearer authorization, log-in forms, user agents, update checks.
#include "traffic/proto/http_like.h"

namespace kensa::traffic {

namespace {

std::unique_ptr<Session> accept(const FlowInfo&, Dir dir, Bytes data) {
  const std::string_view text = as_text(data);
  if (dir == kToServer && looks_like_request(text, "HTTP/")) return make_http_like_session("http");
  return nullptr;
}

}  // namespace

extern const Dissector kHttp{"http", Transport::tcp, &accept};

}  // namespace kensa::traffic
