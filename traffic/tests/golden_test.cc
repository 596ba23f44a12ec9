// Golden tests in nDPI's discipline: every capture in ../shared/data/pcap/ has an expected output
// in traffic/testdata/golden/<capture>.out. KENSA_UPDATE_GOLDEN=1 rewrites them (review the diff).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "traffic/traffic.h"

namespace fs = std::filesystem;
using kensa::traffic::Result;

namespace {

const fs::path kCaptures = fs::path(KENSA_SOURCE_DIR) / ".." / "shared" / "data" / "pcap";
const fs::path kGolden = fs::path(KENSA_SOURCE_DIR) / "traffic" / "testdata" / "golden";
// MAC vendors come from a pinned subset of Wireshark's manuf (source named in the file), so the
// expected outputs do not depend on the libwireshark-data version installed.
const fs::path kManufSubset = fs::path(KENSA_SOURCE_DIR) / "traffic" / "testdata" / "manuf-golden";

std::vector<std::string> captures() {
  std::vector<std::string> names;
  if (!fs::is_directory(kCaptures)) return names;
  for (const auto& e : fs::directory_iterator(kCaptures)) {
    const auto ext = e.path().extension();
    if (ext == ".pcap" || ext == ".pcapng") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result analyze(const std::string& name, std::string oui_file = kManufSubset.string()) {
  kensa::traffic::Options options;
  options.oui_file = std::move(oui_file);
  return kensa::traffic::analyze_file((kCaptures / name).string(), options);
}

// The rendering with the machine-specific capture path replaced by its file name.
std::string render(const std::string& name) {
  std::string text = kensa::traffic::render_text(analyze(name));
  const std::string full = (kCaptures / name).string();
  for (auto pos = text.find(full); pos != std::string::npos; pos = text.find(full))
    text.replace(pos, full.size(), name);
  return text;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has(const Result& r, const std::string& kind, const std::string& service = {}) {
  return std::any_of(r.findings.findings.begin(), r.findings.findings.end(), [&](const auto& f) {
    return f.kind == kind && (service.empty() || f.service == service);
  });
}

}  // namespace

TEST(TrafficGolden, SharedCapturesArePresent) {
  ASSERT_TRUE(fs::is_directory(kCaptures)) << "missing " << kCaptures << " (the shared data set)";
  EXPECT_GE(captures().size(), 18u);
}

TEST(TrafficGolden, EveryCaptureMatchesItsExpectedOutput) {
  const bool update = std::getenv("KENSA_UPDATE_GOLDEN") != nullptr;
  for (const auto& name : captures()) {
    SCOPED_TRACE(name);
    const std::string actual = render(name);
    const fs::path expected_file = kGolden / (name + ".out");
    if (update) {
      std::ofstream(expected_file, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_file)) << "no expected output " << expected_file
                                           << " (run with KENSA_UPDATE_GOLDEN=1 and review it)";
    EXPECT_EQ(slurp(expected_file), actual);
  }
}

TEST(TrafficGolden, NoStaleExpectedOutputs) {
  const auto names = captures();
  for (const auto& e : fs::directory_iterator(kGolden)) {
    const std::string capture = e.path().stem().string();
    EXPECT_NE(std::find(names.begin(), names.end(), capture), names.end()) << "stale " << e.path();
  }
}

// The "done when": these are found in the real captures, independent of the golden text.
TEST(TrafficGolden, MqttCleartextCredentials) {
  const Result r = analyze("mqtt.pcap");
  EXPECT_TRUE(has(r, "cleartext-credential", "mqtt"));
  EXPECT_TRUE(has(r, "cleartext-service", "mqtt"));
}

TEST(TrafficGolden, TelnetCredentials) {
  EXPECT_TRUE(has(analyze("telnet.pcap"), "cleartext-credential", "telnet"));
}

TEST(TrafficGolden, FtpCredentials) {
  EXPECT_TRUE(has(analyze("ftp.pcap"), "cleartext-credential", "ftp"));
}

TEST(TrafficGolden, LegacyTls) {
  bool found = false;
  for (const auto& name : captures()) found = found || has(analyze(name), "tls-legacy-version");
  EXPECT_TRUE(found);
}

TEST(TrafficGolden, SecretsAreMaskedInEveryOutput) {
  const Result r = analyze("mqtt.pcap");
  for (const auto& f : r.findings.findings) {
    if (f.kind != "cleartext-credential") continue;
    const std::string masked = f.evidence.value("secret_masked", "");
    EXPECT_NE(masked.find('*'), std::string::npos) << f.evidence_text;
  }
}

// Vendor names come from the OUI file given, not from whatever manuf is installed.
TEST(TrafficGolden, VendorNamesComeFromTheGivenOuiFile) {
  const fs::path manuf = fs::temp_directory_path() / "kensa-traffic-test-manuf";
  std::ofstream(manuf) << "# test\n38:1F:8D\tPinned\tPinned Test Vendor\n";
  const Result r = analyze("tuya_lp.pcap", manuf.string());
  fs::remove(manuf);
  bool pinned = false;
  for (const auto& f : r.findings.findings) {
    if (f.kind == "device-observed" && f.evidence.value("vendor", "") == "Pinned Test Vendor")
      pinned = true;
    EXPECT_EQ(f.evidence_text.find("Tuya Smart"), std::string::npos) << f.evidence_text;
  }
  EXPECT_TRUE(pinned);
  ASSERT_TRUE(fs::exists(kManufSubset));
}

// Tuya discovery broadcasts (udp/6667) are decrypted with the public discovery key.
TEST(TrafficGolden, TuyaDiscoveryIsReadable) {
  const Result r = analyze("tuya_lp.pcap");
  bool found = false;
  for (const auto& f : r.findings.findings) {
    if (f.kind == "cleartext-service" && f.service == "tuya-discovery" &&
        f.target == "192.168.242.181") {
      found = true;
      EXPECT_EQ(f.evidence.value("device_id", ""), "50650122dc4f22bd40a1");
      EXPECT_EQ(f.evidence.value("product_key", ""), "keyvtdmgqcsh5hug");
      EXPECT_EQ(f.evidence.value("version", ""), "3.3");
    }
  }
  EXPECT_TRUE(found);
}
