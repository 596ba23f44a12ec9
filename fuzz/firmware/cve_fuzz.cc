// CVE record import (NVD CVE JSON 2.0, CVE JSON 5) into an in-memory SQLite index, then a match:
// any bytes give records or an InputError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "base/error.h"
#include "firmware/firmware.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/kensa-cve-fuzz-" + std::to_string(getpid()) + ".json";
  static const std::string db = "/tmp/kensa-cve-fuzz-" + std::to_string(getpid()) + ".sqlite";
  std::remove(db.c_str());
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    kensa::firmware::import_cves(db, {path});
    kensa::firmware::Component c;
    c.name = c.product = c.vendor = "busybox";
    c.version = "1.19.2";
    (void)kensa::firmware::match_cves(db, c);
  } catch (const kensa::InputError&) {
  }
  (void)kensa::firmware::compare_versions(
      std::string(reinterpret_cast<const char*>(data), std::min<size_t>(size, 32)), "1.2.3a");
  return 0;
}
