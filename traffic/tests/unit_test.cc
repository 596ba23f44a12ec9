// Unit tests per dissector and for the reassembler, over frames built by tests/packets.cc and fed
// to the analyzer as libpcap would (Ethernet link type).
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "traffic/analyzer.h"
#include "traffic/tests/packets.h"

namespace kensa::traffic {
namespace {

using testing::Conversation;
using testing::Endpoint;
using Frames = std::vector<std::vector<std::uint8_t>>;

const Endpoint kDevice{"192.168.7.20", 40000};
const Endpoint kBroker{"192.168.7.1", 1883};

std::string u16(std::size_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string str(const std::string& s) { return u16(s.size()) + s; }

std::string mqtt_connect(int level, const std::string& client, const std::string& user,
                         const std::string& pass) {
  std::string body = str(level == 3 ? "MQIsdp" : "MQTT") + static_cast<char>(level);
  std::uint8_t flags = 0x02;
  if (!user.empty()) flags |= 0x80;
  if (!pass.empty()) flags |= 0x40;
  body += static_cast<char>(flags);
  body += u16(60);
  if (level == 5) body += '\0';  // no properties
  body += str(client);
  if (!user.empty()) body += str(user);
  if (!pass.empty()) body += str(pass);
  return std::string{0x10, static_cast<char>(body.size())} + body;
}

// A ClientHello record offering `version` with an SNI and the given suites.
std::string client_hello(std::uint16_t version, const std::string& sni,
                         const std::vector<std::uint16_t>& suites, std::size_t padding = 0) {
  std::string hello = u16(version) + std::string(32, 'r') + '\0';
  std::string s;
  for (auto x : suites) s += u16(x);
  hello += u16(s.size()) + s + std::string{1, 0};
  std::string name = std::string{0} + str(sni);
  std::string ext = u16(0) + u16(name.size() + 2) + u16(name.size()) + name;
  if (padding) ext += u16(21) + u16(padding) + std::string(padding, '\0');
  hello += u16(ext.size()) + ext;
  std::string hs = std::string{1, 0} + u16(hello.size()) + hello;
  return std::string{22, 3, 1} + u16(hs.size()) + hs;
}

Result run(const Frames& frames, Options options = {}) {
  Analyzer a(options, "unit");
  double t = 1700000000;
  for (const auto& f : frames) a.packet(DLT_EN10MB, Bytes(f), t += 0.001);
  return a.finish();
}

std::vector<const evidence::Finding*> of_kind(const Result& r, const std::string& kind) {
  std::vector<const evidence::Finding*> out;
  for (const auto& f : r.findings.findings) {
    if (f.kind == kind) out.push_back(&f);
  }
  return out;
}

const evidence::CheckRun* check(const Result& r, const std::string& id) {
  for (const auto& c : r.findings.checks) {
    if (c.check == id) return &c;
  }
  return nullptr;
}

void append(Frames& to, const Frames& from) { to.insert(to.end(), from.begin(), from.end()); }

TEST(Mqtt, ConnectSplitAcrossManySegmentsIsReassembled) {
  Conversation c(kDevice, kBroker);
  Frames frames = c.handshake();
  append(frames, c.segments(true, mqtt_connect(4, "cam-1", "admin", "hunter22"), 3));
  append(frames, c.close());
  const Result r = run(frames);
  const auto creds = of_kind(r, "cleartext-credential");
  ASSERT_EQ(creds.size(), 1u) << render_text(r);
  EXPECT_EQ(creds[0]->service, "mqtt");
  EXPECT_EQ(creds[0]->evidence["user"], "admin");
  EXPECT_EQ(creds[0]->evidence["secret_masked"], "h******2 (8 chars)");
  EXPECT_EQ(creds[0]->evidence_text.find("hunter22"), std::string::npos);
  const auto* run = check(r, "traffic.mqtt.credentials");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->status, evidence::CheckStatus::completed);
  EXPECT_NE(run->detail.find("over 1 mqtt connections"), std::string::npos) << run->detail;
}

TEST(Mqtt, Version5AndAnonymousAcceptedConnect) {
  Conversation c(kDevice, kBroker);
  Frames frames = c.handshake();
  frames.push_back(c.segment(true, mqtt_connect(5, "sensor", "", "")));
  frames.push_back(
      c.segment(false, std::string{0x20, 0x03, 0x00, 0x00, 0x00}));  // CONNACK v5 success
  append(frames, c.close());
  const Result r = run(frames);
  EXPECT_EQ(of_kind(r, "mqtt-anonymous").size(), 1u) << render_text(r);
  EXPECT_TRUE(of_kind(r, "cleartext-credential").empty());
}

TEST(Mqtt, OutOfOrderSegmentsAreReordered) {
  Conversation c(kDevice, kBroker);
  Frames frames = c.handshake();
  Frames parts = c.segments(true, mqtt_connect(4, "c", "u1", "pw-123456"), 10);
  std::reverse(parts.begin(), parts.end());
  append(frames, parts);
  const Result r = run(frames);
  ASSERT_EQ(of_kind(r, "cleartext-credential").size(), 1u) << render_text(r);
}

TEST(Mqtt, RetransmittedSegmentsAreNotDoubled) {
  Conversation c(kDevice, kBroker);
  Frames frames = c.handshake();
  Frames parts = c.segments(true, mqtt_connect(4, "c", "user", "password1"), 7);
  for (const auto& p : parts) {
    frames.push_back(p);
    frames.push_back(p);
  }
  const Result r = run(frames);
  const auto creds = of_kind(r, "cleartext-credential");
  ASSERT_EQ(creds.size(), 1u) << render_text(r);
  EXPECT_EQ(creds[0]->evidence["user"], "user");
}

TEST(Tls, RecordSplitAcrossSegmentsOverIpv6) {
  Conversation c({"fd00::20", 50000}, {"fd00::1", 8443});
  Frames frames = c.handshake();
  append(frames,
         c.segments(true, client_hello(0x0301, "update.example.com", {0x0005, 0xc02f}, 3000), 500));
  const Result r = run(frames);
  const auto legacy = of_kind(r, "tls-legacy-version");
  ASSERT_EQ(legacy.size(), 1u) << render_text(r);
  EXPECT_EQ(legacy[0]->target, "fd00::1");
  EXPECT_EQ(legacy[0]->evidence["sni"], "update.example.com");
  const auto weak = of_kind(r, "tls-weak-cipher");
  ASSERT_EQ(weak.size(), 1u);
  EXPECT_NE(weak[0]->evidence_text.find("0x0005 (RC4)"), std::string::npos);
  EXPECT_EQ(of_kind(r, "observed-update-check").size(), 1u);
}

TEST(Tls, ModernHelloGivesNoLegacyFinding) {
  Conversation c({"10.0.0.5", 50001}, {"10.0.0.1", 443});
  Frames frames = c.handshake();
  frames.push_back(c.segment(true, client_hello(0x0303, "example.org", {0xc02f, 0x1301})));
  const Result r = run(frames);
  EXPECT_TRUE(of_kind(r, "tls-legacy-version").empty()) << render_text(r);
  EXPECT_TRUE(of_kind(r, "tls-weak-cipher").empty());
  EXPECT_EQ(check(r, "traffic.tls.versions")->status, evidence::CheckStatus::completed);
}

TEST(Decode, VlanTaggedTelnetLogin) {
  Conversation c({"192.168.5.9", 41000}, {"192.168.5.1", 23}, 42);
  Frames frames = c.handshake();
  frames.push_back(c.segment(false, "\xff\xfd\x18\xff\xfd\x20router login: "));
  for (char k : std::string("root\r\n")) frames.push_back(c.segment(true, std::string(1, k)));
  frames.push_back(c.segment(false, "\r\nPassword: "));
  frames.push_back(c.segment(true, "xc3511\r\n"));
  frames.push_back(c.segment(false, "\r\nLast login: today\r\n# "));
  const Result r = run(frames);
  const auto creds = of_kind(r, "cleartext-credential");
  ASSERT_EQ(creds.size(), 1u) << render_text(r);
  EXPECT_EQ(creds[0]->evidence["user"], "root");
  EXPECT_EQ(creds[0]->evidence["secret_masked"], "x****1 (6 chars)");
}

TEST(Http, BasicAuthorizationAndLoginForm) {
  Conversation c({"192.168.1.30", 42000}, {"192.168.1.99", 80});
  Frames frames = c.handshake();
  frames.push_back(
      c.segment(true,
                "GET /cgi-bin/status HTTP/1.1\r\nHost: cam\r\nUser-Agent: kensa-test\r\n"
                "Authorization: Basic YWRtaW46MTIzNDU2\r\n\r\n"));
  frames.push_back(
      c.segment(false, "HTTP/1.1 200 OK\r\nServer: goahead\r\nContent-Length: 5\r\n\r\nhello"));
  const std::string body = "username=admin&password=s3cr%21t99";
  frames.push_back(c.segment(
      true,
      "POST /login HTTP/1.1\r\nHost: cam\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: " +
          std::to_string(body.size()) + "\r\n\r\n"));
  frames.push_back(c.segment(true, body));
  const Result r = run(frames);
  const auto creds = of_kind(r, "cleartext-credential");
  ASSERT_EQ(creds.size(), 2u) << render_text(r);
  EXPECT_EQ(creds[0]->evidence["method"], "Basic");
  EXPECT_EQ(creds[0]->evidence["secret_masked"], "1****6 (6 chars)");
  EXPECT_EQ(creds[1]->evidence["method"], "login form");
  EXPECT_EQ(creds[1]->evidence["secret_masked"], "s******9 (8 chars)");
}

TEST(Ftp, UserPassAndAnonymous) {
  Conversation c({"192.168.1.30", 42001}, {"192.168.1.99", 21});
  Frames frames = c.handshake();
  frames.push_back(c.segment(false, "220 (vsFTPd 3.0.3)\r\n"));
  frames.push_back(c.segment(true, "USER anonymous\r\n"));
  frames.push_back(c.segment(false, "331 Please specify the password.\r\n"));
  frames.push_back(c.segment(true, "PASS guest@\r\n"));
  frames.push_back(c.segment(false, "230 Login successful.\r\n"));
  const Result r = run(frames);
  EXPECT_EQ(of_kind(r, "ftp-anonymous").size(), 1u) << render_text(r);
  EXPECT_EQ(of_kind(r, "cleartext-credential").size(), 1u);
}

TEST(Snmp, CommunityAnsweredIsDefault) {
  auto snmp = [](const std::string& community, std::uint8_t pdu) {
    std::string inner = std::string{0x02, 0x01, 0x01} +
                        std::string{0x04, static_cast<char>(community.size())} + community +
                        std::string{static_cast<char>(pdu), 0x00};
    return std::string{0x30, static_cast<char>(inner.size())} + inner;
  };
  Frames frames;
  frames.push_back(testing::ethernet_frame(
      {{"192.168.1.30", 45000}, {"192.168.1.50", 161}, false, 0, 0, 0, 0, snmp("public", 0xa0)}));
  frames.push_back(testing::ethernet_frame(
      {{"192.168.1.50", 161}, {"192.168.1.30", 45000}, false, 0, 0, 0, 0, snmp("public", 0xa2)}));
  const Result r = run(frames);
  EXPECT_EQ(of_kind(r, "snmp-default-community").size(), 1u) << render_text(r);
  EXPECT_EQ(of_kind(r, "cleartext-credential").size(), 1u);
}

TEST(Behaviour, TelnetFanOutIsScanning) {
  Frames frames;
  for (int i = 1; i <= 40; ++i) {
    frames.push_back(
        testing::ethernet_frame({{"192.168.1.66", static_cast<std::uint16_t>(30000 + i)},
                                 {"203.0.113." + std::to_string(i), 23},
                                 true,
                                 0x02,
                                 7,
                                 0,
                                 0,
                                 ""}));
  }
  const Result r = run(frames);
  const auto scans = of_kind(r, "outbound-scanning");
  ASSERT_EQ(scans.size(), 1u) << render_text(r);
  EXPECT_EQ(scans[0]->target, "192.168.1.66");
}

TEST(Behaviour, FewConnectionsAreNotScanning) {
  Frames frames;
  for (int i = 1; i <= 5; ++i) {
    frames.push_back(
        testing::ethernet_frame({{"192.168.1.66", static_cast<std::uint16_t>(30000 + i)},
                                 {"203.0.113." + std::to_string(i), 22},
                                 true,
                                 0x02,
                                 7,
                                 0,
                                 0,
                                 ""}));
  }
  const Result r = run(frames);
  EXPECT_TRUE(of_kind(r, "outbound-scanning").empty());
  EXPECT_EQ(check(r, "traffic.behaviour.scanning")->status, evidence::CheckStatus::completed);
}

TEST(Behaviour, FloodTowardOneDestinationIsDdos) {
  Analyzer a({}, "unit");
  const auto frame = testing::ethernet_frame(
      {{"192.168.1.77", 5555}, {"198.51.100.9", 80}, false, 0, 0, 0, 0, "x"});
  for (int i = 0; i < 3000; ++i) a.packet(DLT_EN10MB, Bytes(frame), 1700000000.0 + i * 0.0002);
  const Result r = a.finish();
  EXPECT_EQ(of_kind(r, "ddos-participation").size(), 1u) << render_text(r);
}

TEST(Behaviour, AllowListReportsOtherDestinations) {
  Options o;
  o.allowed_destinations["192.168.1.40"] = {"203.0.113.0/24", "2001:db8::1"};
  Frames frames;
  frames.push_back(testing::ethernet_frame(
      {{"192.168.1.40", 40001}, {"203.0.113.7", 443}, true, 0x02, 1, 0, 0, ""}));
  frames.push_back(testing::ethernet_frame(
      {{"192.168.1.40", 40002}, {"198.51.100.3", 8883}, true, 0x02, 1, 0, 0, ""}));
  frames.push_back(testing::ethernet_frame(
      {{"192.168.1.41", 40003}, {"198.51.100.3", 8883}, true, 0x02, 1, 0, 0, ""}));
  const Result r = run(frames, o);
  const auto found = of_kind(r, "unexpected-destination");
  ASSERT_EQ(found.size(), 1u) << render_text(r);
  EXPECT_EQ(found[0]->target, "192.168.1.40");
  EXPECT_EQ(found[0]->evidence["destination"], "198.51.100.3");
  EXPECT_NE(check(r, "traffic.allow-list")->detail.find("over 2 flows"), std::string::npos);
}

TEST(FlowTable, MemoryCapEvictsOldFlowsAndStaysBounded) {
  Options o;
  o.memory_cap_bytes = 20u << 20;  // half of it for flows
  Analyzer a(o, "unit");
  for (int i = 0; i < 60000; ++i) {
    const std::string ip = "10." + std::to_string(i >> 16 & 255) + "." +
                           std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255);
    const auto frame =
        testing::ethernet_frame({{ip, 40000}, {"10.255.0.1", 9999}, true, 0x02, 1, 0, 0, ""});
    a.packet(DLT_EN10MB, Bytes(frame), 1700000000.0 + i * 1e-5);
    ASSERT_LE(a.memory_bytes(), o.memory_cap_bytes) << "at packet " << i;
  }
  EXPECT_GT(a.stats().flows_evicted, 0u);
}

TEST(Capture, TruncatedFileKeepsFindingsAndNamesTheOffset) {
  Conversation c(kDevice, kBroker);
  Frames frames = c.handshake();
  frames.push_back(c.segment(true, mqtt_connect(4, "cam", "admin", "password9")));
  frames.push_back(c.segment(false, std::string{0x20, 0x02, 0x00, 0x00}));
  frames.push_back(c.segment(true, std::string(200, 'x')));
  const std::string path =
      (std::filesystem::temp_directory_path() / "kensa-truncated.pcap").string();
  {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
    ASSERT_NE(d, nullptr);
    for (const auto& f : frames) {
      pcap_pkthdr h{};
      h.ts.tv_sec = 1700000000;
      h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
      pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
    }
    pcap_dump_close(d);
    pcap_close(dead);
  }
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 100);  // the last record loses its tail
  const Result r = analyze_file(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(r.error.empty());
  const auto last_record = size - (16 + frames.back().size());
  EXPECT_NE(r.error.find("byte offset " + std::to_string(last_record)), std::string::npos)
      << r.error;
  EXPECT_EQ(of_kind(r, "cleartext-credential").size(), 1u) << render_text(r);
  for (const auto& run : r.findings.checks)
    EXPECT_EQ(run.status, evidence::CheckStatus::error) << run.check;
}

TEST(Capture, NotACaptureIsAnInputError) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "kensa-not-a-capture.pcap").string();
  std::ofstream(path) << "this is not a capture file at all";
  EXPECT_THROW(analyze_file(path), std::exception);
  std::filesystem::remove(path);
}

// --- IP fragments (traffic/defrag.h) ---------------------------------------------------------

// An SSDP NOTIFY whose SERVER header comes after 1 500 bytes of padding: only a reassembled
// datagram shows it.
std::vector<std::uint8_t> long_notify(const std::string& from, const std::string& server) {
  const std::string text = "NOTIFY * HTTP/1.1\r\nX-Padding: " + std::string(1500, 'p') +
                           "\r\nSERVER: " + server + "\r\nLOCATION: http://dev/desc.xml\r\n\r\n";
  return testing::ethernet_frame(
      {{from, 40000},
       {from.find(':') == std::string::npos ? "192.168.5.255" : "ff02::c", 1900},
       false,
       0,
       0,
       0,
       0,
       text});
}

std::string upnp_server(const Result& r) {
  const auto found = of_kind(r, "upnp-exposed");
  return found.empty() ? "(none)" : found[0]->evidence.value("server_header", "");
}

TEST(Fragments, Ipv4DatagramReassembledInAnyOrder) {
  Frames frames = testing::fragments(long_notify("192.168.5.9", "FragOS/4 UPnP/1.0"), 512, 0x4242);
  ASSERT_EQ(frames.size(), 4u);
  std::reverse(frames.begin(), frames.end());
  const Result r = run(frames);
  EXPECT_EQ(upnp_server(r), "FragOS/4 UPnP/1.0") << render_text(r);
  EXPECT_EQ(r.stats.ip_fragments, 4u);
  EXPECT_EQ(r.stats.ip_reassembled, 1u);
  EXPECT_EQ(r.stats.ip_datagrams_dropped, 0u);
  EXPECT_NE(render_text(r).find("ip-fragments 4 reassembled 1"), std::string::npos);
  EXPECT_EQ(check(r, "traffic.ip-fragments")->status, evidence::CheckStatus::completed);
}

TEST(Fragments, Ipv6DatagramReassembled) {
  Frames frames = testing::fragments(long_notify("fe80::9", "Frag6/1"), 1024, 0xdeadbeef);
  ASSERT_EQ(frames.size(), 2u);
  std::swap(frames[0], frames[1]);
  const Result r = run(frames);
  EXPECT_EQ(upnp_server(r), "Frag6/1") << render_text(r);
  EXPECT_EQ(r.stats.ip_reassembled, 1u);
}

TEST(Fragments, ConflictingIpv4OverlapKeepsFirstArrivalAndIsFlagged) {
  const Frames good = testing::fragments(long_notify("192.168.5.9", "Genuine/1"), 512, 7);
  const Frames forged = testing::fragments(long_notify("192.168.5.9", "Forged!/1"), 512, 7);
  ASSERT_EQ(good.size(), 4u);
  // A forged last piece arrives before the genuine one.
  Frames frames = {good[0], forged[3], good[3], good[1], good[2]};
  const Result r = run(frames);
  EXPECT_EQ(upnp_server(r), "Forged!/1") << render_text(r);  // first arrival wins, every run
  EXPECT_EQ(r.stats.ip_fragments_overlapping, 1u);
  EXPECT_EQ(r.stats.ip_fragments_conflicting, 1u);
  const auto flagged = of_kind(r, "ip-fragment-overlap");
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged[0]->target, "192.168.5.9");
  // Identical duplicates overlap but do not conflict.
  Frames duplicated = good;
  duplicated.insert(duplicated.begin() + 1, good[1]);
  const Result d = run(duplicated);
  EXPECT_EQ(upnp_server(d), "Genuine/1");
  EXPECT_EQ(d.stats.ip_fragments_conflicting, 0u);
  EXPECT_TRUE(of_kind(d, "ip-fragment-overlap").empty());
}

TEST(Fragments, OverlappingIpv6DatagramIsDropped) {
  Frames frames = testing::fragments(long_notify("fe80::9", "Frag6/1"), 1024, 9);
  frames.insert(frames.begin() + 1, frames[0]);  // RFC 5722: any overlap discards the datagram
  const Result r = run(frames);
  EXPECT_EQ(upnp_server(r), "(none)") << render_text(r);
  EXPECT_EQ(r.stats.ip_reassembled, 0u);
  EXPECT_GE(r.stats.ip_datagrams_dropped, 1u);
}

TEST(Fragments, IncompleteDatagramTimesOut) {
  const Frames frames = testing::fragments(long_notify("192.168.5.9", "Late/1"), 512, 11);
  Analyzer a({}, "unit");
  a.packet(DLT_EN10MB, Bytes(frames[0]), 1700000000.0);
  a.packet(DLT_EN10MB, Bytes(frames[1]), 1700000000.1);
  a.packet(DLT_EN10MB, Bytes(frames[2]), 1700000000.2);
  a.packet(DLT_EN10MB, Bytes(frames[3]), 1700000031.0);  // after the 30 s timeout
  const Result r = a.finish();
  EXPECT_EQ(r.stats.ip_reassembled, 0u) << render_text(r);
  EXPECT_GE(r.stats.ip_datagrams_dropped, 1u);
}

TEST(Fragments, DatagramBeyond64KibIsDropped) {
  Frames frames = testing::fragments(long_notify("192.168.5.9", "Big/1"), 512, 12);
  // Move the last fragment to offset 8191*8 (ends past 65 535 bytes).
  auto& last = frames.back();
  last[14 + 6] = 0x1f;
  last[14 + 7] = 0xff;
  const Result r = run(frames);
  EXPECT_EQ(r.stats.ip_reassembled, 0u);
  EXPECT_GE(r.stats.ip_datagrams_dropped, 1u);
}

TEST(Fragments, MemoryCapBoundsIncompleteDatagrams) {
  Options o;
  o.fragment_memory_bytes = 64 * 1024;
  Analyzer a(o, "unit");
  const Frames frames = testing::fragments(long_notify("192.168.5.9", "Cap/1"), 512, 0);
  std::size_t peak = 0;
  for (std::uint32_t id = 0; id < 2000; ++id) {
    auto f = frames[0];  // first pieces only: nothing completes
    f[14 + 4] = static_cast<std::uint8_t>(id >> 8);
    f[14 + 5] = static_cast<std::uint8_t>(id);
    a.packet(DLT_EN10MB, Bytes(f), 1700000000.0 + id * 0.001);
    peak = std::max(peak, a.memory_bytes());
  }
  const Result r = a.finish();
  EXPECT_GT(r.stats.ip_datagrams_dropped, 1000u);
  Analyzer empty({}, "unit");
  EXPECT_LE(peak - empty.memory_bytes(), o.fragment_memory_bytes + 4096);
}

// --- DTLS handshake fragments out of order, TLS 1.3 -----------------------------------------

// A DTLS 1.0 ClientHello split into `pieces` handshake fragments, one record per datagram.
std::vector<std::string> dtls_client_hello_fragments(const std::string& sni, std::size_t pieces) {
  std::string hello = u16(0xfeff) + std::string(32, 'r') + '\0' + '\0';  // session id, cookie
  hello += u16(4) + u16(0xc0a8) + u16(0x000a) + std::string{1, 0};       // 3DES offered
  std::string name = std::string{0} + str(sni);
  std::string ext = u16(0) + u16(name.size() + 2) + u16(name.size()) + name;
  hello += u16(ext.size()) + ext;
  auto u24 = [](std::size_t v) {
    return std::string{static_cast<char>(v >> 16), static_cast<char>(v >> 8 & 0xff),
                       static_cast<char>(v & 0xff)};
  };
  std::vector<std::string> out;
  const std::size_t step = (hello.size() + pieces - 1) / pieces;
  for (std::size_t off = 0; off < hello.size(); off += step) {
    const std::string piece = hello.substr(off, step);
    std::string hs =
        std::string{1} + u24(hello.size()) + u16(0) + u24(off) + u24(piece.size()) + piece;
    out.push_back(std::string{22, static_cast<char>(0xfe), static_cast<char>(0xff)} + u16(0) +
                  std::string(6, '\0') + u16(hs.size()) + hs);
  }
  return out;
}

TEST(Dtls, HandshakeFragmentsOutOfOrderAreReassembled) {
  const auto pieces = dtls_client_hello_fragments("coap.example.net", 3);
  ASSERT_EQ(pieces.size(), 3u);
  Frames frames;
  for (int i : {1, 2, 1, 0})  // out of order, one repeated
    frames.push_back(testing::ethernet_frame(
        {{"192.168.7.30", 45000}, {"192.168.7.1", 5684}, false, 0, 0, 0, 0, pieces[i]}));
  const Result r = run(frames);
  const auto legacy = of_kind(r, "tls-legacy-version");
  ASSERT_EQ(legacy.size(), 1u) << render_text(r);
  EXPECT_EQ(legacy[0]->evidence["version"], "DTLS 1.0");
  EXPECT_EQ(legacy[0]->evidence["sni"], "coap.example.net");
  EXPECT_EQ(of_kind(r, "tls-weak-cipher").size(), 1u);
}

TEST(Tls, Tls13SaysCertificateNotVisible) {
  Conversation c({"10.0.0.5", 50002}, {"10.0.0.1", 443});
  Frames frames = c.handshake();
  frames.push_back(c.segment(true, client_hello(0x0303, "cloud.example.org", {0x1301, 0xc02f})));
  std::string hello = u16(0x0303) + std::string(32, 's') + '\0' + u16(0x1302) + '\0';
  const std::string ext = u16(43) + u16(2) + u16(0x0304);
  hello += u16(ext.size()) + ext;
  const std::string hs = std::string{2, 0} + u16(hello.size()) + hello;
  frames.push_back(c.segment(false, std::string{22, 3, 3} + u16(hs.size()) + hs +
                                        std::string{23, 3, 3} + u16(40) + std::string(40, 'e')));
  const Result r = run(frames);
  const auto ok = of_kind(r, "observed-encrypted-channel");
  ASSERT_EQ(ok.size(), 1u) << render_text(r);
  EXPECT_EQ(ok[0]->evidence["version"], "TLS 1.3");
  EXPECT_EQ(ok[0]->evidence["cipher_suite"], "0x1302");
  EXPECT_NE(ok[0]->evidence_text.find("certificate not visible"), std::string::npos);
  const auto* certs = check(r, "traffic.tls.certificates");
  ASSERT_NE(certs, nullptr);
  EXPECT_EQ(certs->status, evidence::CheckStatus::skipped);
  EXPECT_NE(certs->detail.find("certificate not visible in 1 TLS 1.3"), std::string::npos)
      << certs->detail;
}

// --- Allow-list by DNS name and SNI ---------------------------------------------------------

std::string dns_name(const std::string& name) {
  std::string out;
  for (std::size_t pos = 0; pos <= name.size();) {
    const auto dot = name.find('.', pos);
    const std::string label =
        name.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    out += static_cast<char>(label.size()) + label;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return out + '\0';
}

std::string dns_message(const std::string& name, bool response, const std::string& a4 = {}) {
  std::string m = u16(0x1234) + u16(response ? 0x8180 : 0x0100) + u16(1) + u16(response ? 1 : 0) +
                  u16(0) + u16(0) + dns_name(name) + u16(1) + u16(1);
  if (response) m += u16(0xc00c) + u16(1) + u16(1) + u16(0) + u16(300) + u16(4) + a4;
  return m;
}

TEST(Behaviour, AllowListByDnsNameAndSni) {
  Options o;
  o.allowed_destinations["192.168.1.40"] = {"192.168.1.1", "*.tuyaeu.com", "ntp.example.org"};
  const Endpoint device{"192.168.1.40", 40001}, resolver{"192.168.1.1", 53};
  Frames frames;
  frames.push_back(testing::ethernet_frame(
      {device, resolver, false, 0, 0, 0, 0, dns_message("a1.tuyaeu.com", false)}));
  frames.push_back(
      testing::ethernet_frame({resolver, device, false, 0, 0, 0, 0,
                               dns_message("a1.tuyaeu.com", true, std::string{52, 1, 2, 3})}));
  // Allowed by the DNS answer.
  frames.push_back(testing::ethernet_frame(
      {{"192.168.1.40", 40002}, {"52.1.2.3", 8883}, true, 0x02, 1, 0, 0, ""}));
  // Allowed by the SNI of its ClientHello, without DNS.
  Conversation sni_ok({"192.168.1.40", 40003}, {"34.5.6.7", 443});
  append(frames, sni_ok.handshake());
  frames.push_back(sni_ok.segment(true, client_hello(0x0303, "m2.TuyaEU.com", {0x1301})));
  // Named, but by a name outside the allow-list.
  Conversation sni_bad({"192.168.1.40", 40004}, {"34.5.6.8", 443});
  append(frames, sni_bad.handshake());
  frames.push_back(sni_bad.segment(true, client_hello(0x0303, "evil.example.net", {0x1301})));
  // Not named at all; "tuyaeu.com" itself is not under "*.tuyaeu.com".
  frames.push_back(testing::ethernet_frame(
      {{"192.168.1.40", 40005}, {"198.51.100.3", 23}, true, 0x02, 1, 0, 0, ""}));
  const Result r = run(frames, o);
  const auto found = of_kind(r, "unexpected-destination");
  ASSERT_EQ(found.size(), 2u) << render_text(r);
  std::vector<std::string> destinations;
  for (const auto* f : found) destinations.push_back(f->evidence["destination"]);
  std::sort(destinations.begin(), destinations.end());
  EXPECT_EQ(destinations, (std::vector<std::string>{"198.51.100.3", "34.5.6.8"}));
  for (const auto* f : found) {
    if (f->evidence["destination"] == "34.5.6.8") {
      EXPECT_NE(f->evidence_text.find("names seen for it: evil.example.net"), std::string::npos)
          << f->evidence_text;
    }
  }
  EXPECT_NE(check(r, "traffic.allow-list")->detail.find("over 5 flows"), std::string::npos)
      << check(r, "traffic.allow-list")->detail;
}

TEST(Behaviour, AllowListRejectsBadNames) {
  Options o;
  o.allowed_destinations["192.168.1.40"] = {"bad..name"};
  EXPECT_THROW(Analyzer(o, "unit"), std::invalid_argument);
}

}  // namespace
}  // namespace kensa::traffic
