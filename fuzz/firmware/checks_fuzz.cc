// Filesystem checks over hostile file contents: account files, inittab, inetd.conf, init scripts,
// configuration with secrets, PEM blocks, dropbear keys, ELF binaries and version strings.
#include <cstddef>
#include <cstdint>

#include "firmware/internal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kensa::firmware;
  using namespace kensa::firmware::detail;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Filesystem fs;
  fs.chunk = "fuzz";
  for (const char* path :
       {"/etc/shadow", "/etc/passwd", "/etc/inittab", "/etc/inetd.conf", "/etc/init.d/rcS",
        "/etc/app.conf", "/etc/dropbear/dropbear_rsa_host_key", "/usr/bin/app"}) {
    Entry e;
    e.path = path;
    e.mode = 04777;
    e.data = text;
    fs.entries.push_back(e);
  }
  for (int i = 0; i < 16; ++i)
    fs.entries.push_back(
        Entry{"/pad" + std::to_string(i), EntryType::directory, 0755, 0, 0, {}, {}});
  static const std::vector<Credential> dictionary = {
      {"root", "root"}, {"admin", "admin"}, {"root", ""}};
  kensa::evidence::FindingSet out;
  std::vector<std::pair<std::string, std::string>> seen;
  CheckContext ctx{"fuzz", "fuzz", &dictionary, &out, &seen};
  check_accounts(fs, ctx);
  check_secrets(fs, ctx);
  check_boot_services(fs, ctx);
  check_update({fs}, ctx);
  check_permissions(fs, ctx);
  (void)parse_elf(text);
  (void)identify_components(text, "/lib/libuClibc-" + text.substr(0, 16) + ".so");
  return 0;
}
