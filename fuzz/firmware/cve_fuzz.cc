// CVE record import (NVD CVE JSON 2.0, CVE JSON 5) into a SQLite index in a scratch file (the
// import reads a path and writes a database file), then a match: any bytes give records or an
// InputError. The scratch files are removed when the run ends.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/error.h"
#include "firmware/firmware.h"

namespace {
std::string scratch(const char* suffix) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/kensa-cve-fuzz-" + std::to_string(getpid()) +
         suffix;
}
const std::string path = scratch(".json");
const std::string db = scratch(".sqlite");
void remove_scratch() {
  std::remove(path.c_str());
  std::remove(db.c_str());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool cleanup_registered = std::atexit(remove_scratch) == 0;
  (void)cleanup_registered;
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
