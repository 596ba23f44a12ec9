// Unit tests of the prober's pure parts: target scoping and sharding, port lists, the dictionary
// and the wire parsers. The network behaviour is tested against real daemons (tests/lab_test.sh).
#include "probe/probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "base/error.h"
#include "probe/engine.h"
#include "probe/wire.h"

namespace kensa::probe {
namespace {

TargetSpec spec(std::vector<std::string> include, std::vector<std::string> exclude = {}) {
  TargetSpec s;
  s.include = std::move(include);
  s.exclude = std::move(exclude);
  return s;
}

TEST(Targets, ExpandsCidrRangesAndExclusions) {
  auto t =
      resolve_targets(spec({"10.0.0.0/30", "10.0.1.5-7", "192.168.1.1"}, {"10.0.0.2", "10.0.1.6"}));
  std::set<std::string> got;
  for (auto a : t) got.insert(format_ipv4(a));
  EXPECT_EQ(got, (std::set<std::string>{"10.0.0.0", "10.0.0.1", "10.0.0.3", "10.0.1.5", "10.0.1.7",
                                        "192.168.1.1"}));
}

TEST(Targets, RefusesPublicAddressesUnlessAllowed) {
  EXPECT_THROW(resolve_targets(spec({"10.0.0.1", "8.8.8.8"})), InputError);
  auto s = spec({"8.8.8.8"});
  s.allow_public = true;
  EXPECT_EQ(resolve_targets(s).size(), 1u);
  EXPECT_TRUE(is_private(*parse_ipv4("172.31.255.255")));
  EXPECT_FALSE(is_private(*parse_ipv4("172.32.0.1")));
  EXPECT_TRUE(is_private(*parse_ipv4("127.0.0.1")));
}

TEST(Targets, RejectsMalformedItems) {
  for (const char* bad : {"10.0.0.256", "10.0.0.0/33", "10.0.0.9-3", "host.example", "10.0.0"}) {
    EXPECT_THROW(resolve_targets(spec({bad})), InputError) << bad;
  }
  auto s = spec({"10.0.0.0/8"});
  s.max_addresses = 1000;
  EXPECT_THROW(resolve_targets(s), InputError);
}

TEST(Targets, ShardsPartitionTheSamePermutation) {
  auto all = resolve_targets(spec({"10.1.0.0/24"}));
  EXPECT_EQ(all, resolve_targets(spec({"10.1.0.0/24"})));  // deterministic
  EXPECT_FALSE(std::is_sorted(all.begin(), all.end()));    // random order
  std::multiset<Ipv4> union_of_shards;
  for (unsigned i = 0; i < 3; ++i) {
    auto s = spec({"10.1.0.0/24"});
    s.shard_index = i;
    s.shard_count = 3;
    for (auto a : resolve_targets(s)) union_of_shards.insert(a);
  }
  EXPECT_EQ(union_of_shards, std::multiset<Ipv4>(all.begin(), all.end()));
}

TEST(Ports, ParsesListsAndProtocols) {
  auto p = parse_ports("22,80-82,U:161,5683");
  EXPECT_EQ(p.tcp, (std::vector<std::uint16_t>{22, 80, 81, 82}));
  EXPECT_EQ(p.udp, (std::vector<std::uint16_t>{161, 5683}));
  EXPECT_THROW(parse_ports("0"), InputError);
  EXPECT_THROW(parse_ports("10-5"), InputError);
  EXPECT_EQ(parse_ports("1-65535").tcp.size(), 65535u);
}

TEST(Dictionary, BuiltInHasAtLeast600PairsAndParsesEmptyPasswords) {
  ScanOptions o;
  EXPECT_GE(load_dictionary(o).size(), 600u);
  auto d = parse_credentials("# c\nadmin\t<empty>\tlist\n", "x");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].password, "");
  EXPECT_THROW(parse_credentials("admin admin\n", "x"), InputError);
}

TEST(Wire, MqttRefusesHugeRemainingLength) {
  wire::MqttPacket p;
  const std::string huge("\x20\xff\xff\xff\x7f", 5);
  EXPECT_EQ(wire::parse_mqtt_header(huge, 2, p), wire::Parse::bad);
  EXPECT_EQ(wire::parse_mqtt_header(std::string("\x20\x02", 2), 2, p), wire::Parse::ok);
  EXPECT_EQ(p.type, 2);
  EXPECT_EQ(wire::parse_mqtt_header(std::string("\x20\xff\xff\xff\xff\x01", 6), 1u << 30, p),
            wire::Parse::bad);
}

TEST(Wire, TelnetRefusesEveryOptionAndCountsThem) {
  wire::TelnetState st;
  std::string text, replies;
  wire::telnet_feed(st, std::string("\xff\xfd\x18\xff\xfb\x01login: ", 13), text, replies);
  EXPECT_EQ(text, "login: ");
  EXPECT_EQ(replies, std::string("\xff\xfc\x18\xff\xfe\x01", 6));
  EXPECT_EQ(st.negotiations, 2u);
}

TEST(Wire, ReplyNeedsTheFinalLineOfAMultiLineReply) {
  wire::Reply r;
  std::size_t used = 0;
  EXPECT_EQ(wire::parse_reply("220-hello\r\n220-more\r\n", r, used), wire::Parse::need_more);
  EXPECT_EQ(wire::parse_reply("220-hello\r\n220 done\r\n", r, used), wire::Parse::ok);
  EXPECT_EQ(r.code, 220);
  EXPECT_EQ(wire::parse_reply("garbage\r\n", r, used), wire::Parse::bad);
}

TEST(Wire, CoapAndSnmpRoundTrip) {
  wire::CoapMessage m;
  ASSERT_TRUE(wire::parse_coap(wire::coap_get(7, "ab", "/.well-known/core"), m));
  EXPECT_EQ(m.code, 1);
  ASSERT_EQ(m.options.size(), 2u);
  EXPECT_EQ(m.options[1].second, "core");
  EXPECT_EQ(wire::parse_link_format("</a>;rt=x,</b/c>"), (std::vector<std::string>{"/a", "/b/c"}));
  wire::SnmpResponse s;
  ASSERT_TRUE(wire::parse_snmp(wire::snmp_get(1, "public", 1234, {"1.3.6.1.2.1.1.1.0"}), s));
  EXPECT_EQ(s.community, "public");
  EXPECT_EQ(s.request_id, 1234);
  ASSERT_EQ(s.bindings.size(), 1u);
  EXPECT_EQ(s.bindings[0].first, "1.3.6.1.2.1.1.1.0");
}

TEST(Wire, HttpChunkedAndBoundedBodies) {
  wire::HttpResponse r;
  ASSERT_EQ(wire::parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer: "
                                      "x/1.2\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                                      false, 100, r),
            wire::Parse::ok);
  EXPECT_EQ(r.body, "abc");
  EXPECT_EQ(r.header("server"), "x/1.2");
  ASSERT_EQ(
      wire::parse_http_response("HTTP/1.0 200 OK\r\n\r\n" + std::string(1000, 'x'), true, 10, r),
      wire::Parse::ok);
  EXPECT_EQ(r.body.size(), 10u);
  EXPECT_EQ(wire::parse_http_response(std::string(64, '\xde'), false, 10, r), wire::Parse::bad);
  auto params = wire::parse_auth_params("Digest realm=\"cam\", nonce=\"n1\", qop=\"auth\"");
  EXPECT_EQ(params["scheme"], "digest");
  EXPECT_EQ(params["nonce"], "n1");
}

TEST(Wire, SshKexInitOfOurOwnClient) {
  wire::SshKexInit k;
  std::size_t used = 0;
  const auto packet = wire::ssh_client_kexinit_packet();
  ASSERT_EQ(wire::parse_ssh_kexinit(packet, k, used), wire::Parse::ok);
  EXPECT_EQ(used, packet.size());
  EXPECT_EQ(k.kex.front(), "curve25519-sha256");
  std::string proto, sw;
  EXPECT_EQ(wire::parse_ssh_identification("SSH-2.0-dropbear_2022.83\r\n", proto, sw, used),
            wire::Parse::ok);
  EXPECT_EQ(sw, "dropbear_2022.83");
  EXPECT_EQ(wire::parse_ssh_identification(std::string(300, 'S'), proto, sw, used),
            wire::Parse::bad);
}

TEST(Wire, TlsRecordRecognition) {
  wire::TlsRecord t;
  const std::string hello = wire::tls_client_hello();
  EXPECT_EQ(wire::parse_tls_record(std::string("\x16\x03\x03\x00\x30\x02", 6), t), wire::Parse::ok);
  EXPECT_EQ(wire::parse_tls_record(std::string("\xde\xad\xbe\xef\x00\x00", 6), t),
            wire::Parse::bad);
  EXPECT_EQ(static_cast<unsigned char>(hello[0]), 0x16);
}

TEST(Wire, LoginFormFieldsHiddenTokensAndMethod) {
  const std::string page =
      "<html><form action=\"/search\"><input name=q></form>"
      "<FORM Method='GET' action=\"/goform/login?x=1&amp;y=2\">"
      "<input type=hidden name=csrf value=\"t&quot;k\"><input name=lang value=en>"
      "<input type=\"text\" name=\"usr_name\"><input type=\"password\" name=\"pwd\">"
      "<input type=submit name=go value=\"Log in\"></FORM>";
  auto form = wire::parse_login_form(page);
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->action, "/goform/login?x=1&y=2");
  EXPECT_EQ(form->method, "get");
  EXPECT_EQ(form->user_field, "usr_name");
  EXPECT_EQ(form->password_field, "pwd");
  const std::vector<std::pair<std::string, std::string>> fixed = {
      {"csrf", "t\"k"}, {"go", "Log in"}, {"lang", "en"}};
  EXPECT_EQ(form->fixed, fixed);
  EXPECT_FALSE(wire::parse_login_form("<form><input name=q></form>").has_value());
  EXPECT_FALSE(wire::parse_login_form("<form action=x><input type=password name=p").has_value());
  EXPECT_EQ(wire::form_urlencode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
}

TEST(Wire, RtspResponsesParseLikeHttp) {
  wire::HttpResponse r;
  ASSERT_EQ(wire::parse_http_response("RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: "
                                      "Digest realm=\"cam\", nonce=\"ab\"\r\n\r\n",
                                      true, 1024, r),
            wire::Parse::ok);
  EXPECT_EQ(r.status, 401);
  auto params = wire::parse_auth_params(r.header("www-authenticate"));
  EXPECT_EQ(params["scheme"], "digest");
  EXPECT_EQ(params["nonce"], "ab");
}

TEST(Ports, DefaultsIncludeSyslogOnBothTransports) {
  const auto p = default_ports();
  EXPECT_NE(std::find(p.tcp.begin(), p.tcp.end(), 514), p.tcp.end());
  EXPECT_NE(std::find(p.udp.begin(), p.udp.end(), 514), p.udp.end());
}

TEST(Checks, EveryCheckDescribesItself) {
  std::set<std::string_view> ids;
  for (const auto& c : check_catalog()) {
    EXPECT_TRUE(ids.insert(c.id).second) << c.id;
    EXPECT_FALSE(c.title.empty()) << c.id;
    EXPECT_FALSE(c.description.empty()) << c.id;
    EXPECT_FALSE(c.tests_for.empty()) << c.id;
    EXPECT_GT(c.budget.count(), 0) << c.id;
    for (auto kind : c.tests_for)
      EXPECT_NE(evidence::find_kind(kind), nullptr) << c.id << " " << kind;
    if (c.id.find("bruteforce") != std::string_view::npos)
      EXPECT_EQ(c.safety, Safety::intrusive) << c.id;
  }
  for (auto id : {"probe.http.form-credential", "probe.http.form-bruteforce",
                  "probe.rtsp.default-credential", "probe.rtsp.bruteforce", "probe.ftp.bruteforce",
                  "probe.mqtt.bruteforce", "probe.ftp.starttls.versions", "probe.syslog.cleartext"})
    EXPECT_TRUE(ids.count(id)) << id;
}

TEST(Wire, ComponentsFromBanners) {
  auto c =
      wire::components_in("220 (vsFTPd 3.0.3)\r\nServer: lighttpd/1.4.69 mosquitto version 2.0.11");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].name, "vsFTPd");
  EXPECT_EQ(c[1].version, "1.4.69");
  EXPECT_EQ(c[2].version, "2.0.11");
}

}  // namespace
}  // namespace kensa::probe
