// UDP service checks: CoAP resources without security, SNMP default communities, UPnP/SSDP.
#include <charconv>
#include <map>
#include <set>

#include "probe/checks_common.h"

namespace kensa::probe {

using namespace std::chrono_literals;

namespace {

awaitable<void> coap_resources(CheckContext& ctx) {
  const std::string answer =
      co_await ctx.udp_exchange(wire::coap_get(0x6b01, "kc", "/.well-known/core"), 1000ms);
  wire::CoapMessage m;
  if (answer.empty() || !wire::parse_coap(answer, m)) {
    ctx.incomplete(evidence::CheckStatus::timeout, "no CoAP answer to GET /.well-known/core");
    co_return;
  }
  const int cls = m.code >> 5, detail = m.code & 31;
  const std::string code =
      std::to_string(cls) + "." + (detail < 10 ? "0" : "") + std::to_string(detail);
  if (cls != 2) {
    ctx.note("GET /.well-known/core → " + code);
    co_return;
  }
  const auto links = wire::parse_link_format(m.payload);
  auto& f = ctx.add("coap-unauthenticated", "CoAP resources readable without DTLS or OSCORE",
                    "GET /.well-known/core → " + code + ": " + wire::printable(m.payload, 200),
                    {{"code", code}, {"resources", links}});
  f.path = "/.well-known/core";
}

awaitable<void> snmp_community(CheckContext& ctx) {
  static const std::vector<std::string> communities = {
      "public", "private", "community", "admin", "default", "snmp",  "monitor", "manager",
      "cisco",  "secret",  "read",      "write", "test",    "guest", "0"};
  const std::vector<std::string> oids = {"1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0",
                                         "1.3.6.1.2.1.1.4.0"};
  // Every community over v2c and v1 at once; answers are matched by request id.
  std::vector<std::string> requests;
  std::map<std::int32_t, std::pair<std::string, int>> sent;
  for (const auto& community : communities) {
    for (int version : {1, 0}) {
      const auto id = static_cast<std::int32_t>(0x4b00 + requests.size());
      sent[id] = {community, version};
      requests.push_back(wire::snmp_get(version, community, id, oids));
    }
  }
  std::vector<std::string> answers = co_await ctx.udp_burst(requests, 1500ms);
  if (answers.empty()) answers = co_await ctx.udp_burst(requests, 1500ms);  // one retry for loss
  std::set<std::string> reported;
  bool any = false;
  const std::size_t tried = requests.size();
  for (const auto& answer : answers) {
    wire::SnmpResponse r;
    if (!wire::parse_snmp(answer, r) || r.error_status != 0 || !sent.count(r.request_id)) continue;
    const auto [community, version] = sent[r.request_id];
    if (!reported.insert(community).second) continue;  // one finding per community
    any = true;
    nlohmann::json bindings = nlohmann::json::object();
    std::string descr;
    for (const auto& [oid, value] : r.bindings) {
      bindings[oid] = value;
      if (oid == "1.3.6.1.2.1.1.1.0") descr = value;
    }
    const std::string vname = version == 1 ? "v2c" : "v1";
    ctx.add("snmp-default-community",
            "SNMP " + vname + " answers to the community '" + community + "'", "sysDescr: " + descr,
            {{"community", community}, {"version", vname}, {"values", bindings}});
    if (!descr.empty() && reported.size() == 1)
      report_disclosure(ctx, descr, "SNMP sysDescr", false);
  }
  if (!any) ctx.note(std::to_string(tried) + " community/version pairs refused");
}

std::string header_of(std::string_view text, std::string_view name) {
  wire::HttpResponse r;
  if (wire::parse_http_response(text, true, 0, r) != wire::Parse::ok) return "";
  return r.header(std::string(name));
}

std::string xml_value(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  const auto a = xml.find(open);
  if (a == std::string_view::npos) return "";
  const auto b = xml.find(close, a);
  if (b == std::string_view::npos) return "";
  return std::string(xml.substr(a + open.size(), std::min<std::size_t>(b - a - open.size(), 200)));
}

// Fetches `url` only when it points at the target itself (scope safety: a LOCATION header must not
// lead the scanner to another host).
awaitable<std::string> fetch_same_host(CheckContext& ctx, std::string url,
                                       std::string method = "GET", std::string extra = "",
                                       std::string body = "") {
  const std::string prefix = "http://" + ctx.target() + ":";
  if (url.rfind(prefix, 0) != 0) co_return std::string();
  const auto slash = url.find('/', prefix.size());
  unsigned port = 0;
  const std::string port_text = url.substr(
      prefix.size(), slash == std::string::npos ? std::string::npos : slash - prefix.size());
  std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port == 0 || port > 65535) co_return std::string();
  const std::string path =
      pick(slash == std::string::npos, "/", url.substr(std::min(slash, url.size())));
  PortState tcp_port = PortState::at(ctx.port.address, static_cast<std::uint16_t>(port));
  tcp_port.service = {"http", false, true, "", ""};
  CheckContext sub(ctx.scanner, ctx.check, tcp_port, ctx.deadline);
  auto conn = co_await sub.open();
  if (!conn) co_return std::string();
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + ctx.target() + ":" +
                        port_text +
                        "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n" + extra + "\r\n" + body;
  if (co_await conn->write(request, ctx.deadline) != IoStatus::ok) co_return std::string();
  std::string buffer;
  wire::HttpResponse r;
  while (true) {
    const IoStatus s = co_await conn->read_some(buffer, 128 * 1024, ctx.deadline);
    const bool eof = s != IoStatus::ok;
    const auto p = wire::parse_http_response(buffer, eof, 64 * 1024, r);
    if (p == wire::Parse::ok) co_return std::to_string(r.status) + "\n" + r.body;
    if (eof) co_return std::string();
  }
}

awaitable<void> upnp(CheckContext& ctx) {
  const std::string answer = co_await ctx.udp_exchange(
      "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: "
      "urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n",
      1000ms);
  std::string text = pick(answer.empty(), ctx.port.raw_banner, answer);
  if (text.substr(0, 5) != "HTTP/") {
    ctx.incomplete(evidence::CheckStatus::timeout, "no SSDP answer");
    co_return;
  }
  const std::string location = header_of(text, "location");
  const std::string server = header_of(text, "server");
  nlohmann::json ev = {{"location", location}, {"server", server}, {"st", header_of(text, "st")}};
  std::string proof = "M-SEARCH answered; LOCATION " + location;
  if (!server.empty()) report_disclosure(ctx, server, "SSDP SERVER header", false);
  std::string description;
  if (!location.empty()) description = co_await fetch_same_host(ctx, location);
  if (description.rfind("200\n", 0) == 0) {
    const std::string model =
        xml_value(description, "modelName") + " " + xml_value(description, "modelNumber");
    ev["friendlyName"] = xml_value(description, "friendlyName");
    ev["model"] = model;
    ev["serialNumber"] = xml_value(description, "serialNumber");
    proof += "; description readable without authentication (" +
             ev["friendlyName"].get<std::string>() + ", " + model + ")";
    // An IGD action without authentication: GetExternalIPAddress on the WANIPConnection service.
    const auto svc = description.find("urn:schemas-upnp-org:service:WANIPConnection:");
    if (svc != std::string::npos) {
      const std::string type = description.substr(svc, description.find('<', svc) - svc);
      const auto control = description.find("<controlURL>", svc);
      if (control != std::string::npos) {
        const std::string path = xml_value(description.substr(control), "controlURL");
        const auto slash = location.find('/', 7);
        const std::string url = location.substr(0, slash) + path;
        const std::string soap =
            "<?xml version=\"1.0\"?><s:Envelope "
            "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
            "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/"
            "\"><s:Body><u:GetExternalIPAddress xmlns:u=\"" +
            type + "\"/></s:Body></s:Envelope>";
        const std::string reply =
            co_await fetch_same_host(ctx, url, "POST",
                                     "Content-Type: text/xml; charset=\"utf-8\"\r\nSOAPAction: \"" +
                                         type + "#GetExternalIPAddress\"\r\n",
                                     soap);
        if (reply.rfind("200\n", 0) == 0) {
          ev["igd_action"] = "GetExternalIPAddress";
          ev["external_ip"] = xml_value(reply, "NewExternalIPAddress");
          proof += "; IGD action GetExternalIPAddress ran without authentication (" +
                   ev["external_ip"].get<std::string>() + ")";
        }
      }
    }
    ctx.add("info-disclosure", "UPnP description discloses the device model before authentication",
            wire::printable(model, 100), {{"model", model}});
  }
  ctx.add("upnp-exposed",
          "UPnP/SSDP answers" +
              std::string(ev.contains("igd_action") ? " and runs IGD actions" : "") +
              " without authentication",
          proof, ev);
}

}  // namespace

std::vector<Check> udp_checks() {
  return {
      {{"probe.coap.resources",
        "CoAP resources without security",
        "coap",
        Safety::safe,
        4s,
        {"coap-unauthenticated"},
        {"en303645:5.5-4", "en303645:5.5-1"},
        "GET /.well-known/core over plain CoAP; a 2.05 answer lists resources anyone can reach."},
       &coap_resources},
      {{"probe.snmp.community",
        "SNMP default communities",
        "snmp",
        Safety::safe,
        10s,
        {"snmp-default-community", "info-disclosure", "component-identified"},
        {"en303645:5.1-1", "en303645:5.5-5"},
        "GetRequest for sysDescr, sysName and sysContact with common community strings over v2c "
        "and v1."},
       &snmp_community},
      {{"probe.upnp.ssdp",
        "UPnP/SSDP and IGD actions without authentication",
        "ssdp",
        Safety::safe,
        6s,
        {"upnp-exposed", "info-disclosure", "component-identified"},
        {"en303645:5.5-5", "en303645:5.6-1"},
        "M-SEARCH for an Internet Gateway Device, reads its description (only on the target "
        "itself) and runs the "
        "read-only GetExternalIPAddress action."},
       &upnp},
  };
}

}  // namespace kensa::probe
