// Firmware collector tests over real images: built here with real tools (mksquashfs, cpio, gzip,
// xz, mkimage) from Debian's busybox-static plus planted issues, the vendor images and format
// samples in
// ../shared/data/firmware, and hostile inputs (bombs, traversal, symlink escapes).
#include "firmware/firmware.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "base/error.h"
#include "base/files.h"
#include "firmware/internal.h"

namespace fs = std::filesystem;
using namespace kensa::firmware;

namespace {

const fs::path kShared = fs::path(KENSA_SOURCE_DIR) / ".." / "shared" / "data" / "firmware";

void require_tool(const std::string& tool) {
  ASSERT_EQ(std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()), 0)
      << "missing tool '" << tool << "' (scripts/deps/firmware.txt; run scripts/install-deps.sh)";
}

void sh(const std::string& command) {
  const int rc = std::system(("set -e; " + command).c_str());
  ASSERT_EQ(rc, 0) << "command failed: " << command;
}

void write(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "kensa-fw-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::multiset<std::string> kinds(const Analysis& a) {
  std::multiset<std::string> k;
  for (const auto& f : a.findings.findings) k.insert(f.kind);
  return k;
}

const Component* component(const Analysis& a, const std::string& name) {
  for (const auto& c : a.components) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool has_finding(const Analysis& a, const std::string& kind, const std::string& text) {
  for (const auto& f : a.findings.findings) {
    if (f.kind == kind && f.evidence_text.find(text) != std::string::npos) return true;
  }
  return false;
}

std::size_t entry_count(const Analysis& a) {
  std::size_t n = 0;
  for (const auto& f : a.filesystems) n += f.entries.size();
  return n;
}

const Chunk* chunk_of(const Analysis& a, const std::string& format) {
  for (const auto& c : a.chunks) {
    if (c.format == format) return &c;
  }
  return nullptr;
}

// A rootfs of Debian's busybox-static with planted issues: root's password is "admin" in MD5
// crypt, a 1024-bit RSA private key, telnetd and a root shell on the serial console in inittab,
// a library carrying an old OpenSSL version string, a world-writable file and a setuid binary.
void make_rootfs(const fs::path& root) {
  require_tool("busybox");
  require_tool("openssl");
  fs::create_directories(root / "bin");
  fs::create_directories(root / "sbin");
  fs::create_directories(root / "usr/sbin");
  fs::create_directories(root / "etc/init.d");
  fs::copy_file(fs::canonical("/bin/busybox"), root / "bin/busybox");
  for (const char* applet : {"sh", "ls", "login"})
    fs::create_symlink("busybox", root / "bin" / applet);
  fs::create_symlink("../../bin/busybox", root / "usr/sbin/telnetd");
  sh(fmt::format("openssl passwd -1 -salt kensa admin > {}", (root / "hash").string()));
  std::string hash = kensa::read_file(root / "hash");
  hash.erase(hash.find_last_not_of("\n") + 1);
  fs::remove(root / "hash");
  write(root / "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  write(root / "etc/shadow", "root:" + hash + ":19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n");
  write(root / "etc/inittab",
        "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -F -l "
        "/bin/login\nttyS0::respawn:-/bin/sh\n");
  write(root / "etc/init.d/rcS", "#!/bin/sh\nmount -a\n");
  fs::create_directories(root / "etc/ssl/private");
  sh(fmt::format("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out {} 2>/dev/null",
                 (root / "etc/ssl/private/device.key").string().c_str()));
  std::string lib(8192, '\0');
  const std::string banner = "OpenSSL 1.0.2k  26 Jan 2017";
  lib.replace(1000, banner.size(), banner);
  write(root / "usr/lib/libcrypto.so.1.0.0", lib);
  write(root / "etc/config.ini", "[cloud]\napi_key = \"k3nsa-planted-token-42\"\n");
  write(root / "tmp/world", "x");
  fs::permissions(root / "tmp/world", fs::perms(0666));
  fs::copy_file(root / "bin/busybox", root / "bin/su-helper");
  fs::permissions(root / "bin/su-helper", fs::perms(04755));
}

void expect_planted_issues(const Analysis& a) {
  const auto k = kinds(a);
  EXPECT_TRUE(has_finding(a, "default-credential", "'root'")) << "default root password";
  EXPECT_TRUE(has_finding(a, "weak-password-hash", "md5crypt"));
  EXPECT_TRUE(has_finding(a, "private-key-embedded", "RSA private key (1024 bits)"));
  EXPECT_TRUE(has_finding(a, "insecure-service-at-boot", "telnetd"));
  EXPECT_TRUE(has_finding(a, "serial-console-open", "ttyS0"));
  EXPECT_TRUE(has_finding(a, "hardcoded-credential", "api_key"));
  EXPECT_TRUE(has_finding(a, "world-writable", "/tmp/world"));
  EXPECT_TRUE(has_finding(a, "setuid-binary", "/bin/su-helper"));
  ASSERT_NE(component(a, "openssl"), nullptr);
  EXPECT_EQ(component(a, "openssl")->version, "1.0.2k");
  ASSERT_NE(component(a, "busybox"), nullptr);
  EXPECT_EQ(component(a, "busybox")->cpe.rfind("cpe:2.3:a:busybox:busybox:", 0), 0u);
  EXPECT_TRUE(k.count("missing-hardening") + k.count("risky-function") > 0 ||
              !a.components.empty());
  // Every check that can prove absence ran to completion.
  std::set<std::string> completed;
  for (const auto& c : a.findings.checks) {
    if (c.status == kensa::evidence::CheckStatus::completed) completed.insert(c.check);
  }
  for (const char* check : {"firmware.accounts", "firmware.secrets", "firmware.boot-services",
                            "firmware.update", "firmware.permissions", "firmware.elf-hardening"}) {
    EXPECT_TRUE(completed.count(check)) << check;
  }
}

// Broadcom TRX v1 around the given partitions (OpenWrt trx.h layout, CRC32 from offset 12).
std::string make_trx(const std::vector<std::string>& parts) {
  std::string body;
  std::vector<std::uint32_t> offsets;
  std::size_t at = 28;
  for (const auto& p : parts) {
    offsets.push_back(static_cast<std::uint32_t>(at));
    body += p;
    at += p.size();
    while (at % 4) {
      body += '\0';
      ++at;
    }
  }
  std::string img(28, '\0');
  img.replace(0, 4, "HDR0");
  auto put32 = [&](std::size_t off, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) img[off + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  put32(4, static_cast<std::uint32_t>(28 + body.size()));
  img[14] = 1;  // version 1
  for (std::size_t i = 0; i < offsets.size() && i < 3; ++i) put32(16 + 4 * i, offsets[i]);
  img += body;
  const auto crc = ~static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(img.data() + 12), img.size() - 12));
  put32(8, crc);
  return img;
}

AnalysisOptions options() { return AnalysisOptions{}; }

}  // namespace

// ---- Images built with real tools ----

TEST(FirmwareBuilt, SquashfsRootfsFindsEveryPlantedIssue) {
  require_tool("mksquashfs");
  TempDir t;
  make_rootfs(t.path() / "root");
  sh(fmt::format("mksquashfs {} {} -comp xz -noappend -quiet >/dev/null",
                 (t.path() / "root").string(), (t.path() / "rootfs.sqfs").string()));
  const Analysis a = analyze(t.path() / "rootfs.sqfs", options());
  ASSERT_EQ(a.filesystems.size(), 1u);
  const Chunk* c = chunk_of(a, "squashfs");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->offset, 0u);
  EXPECT_EQ(c->end % 4096 == 0 || c->end <= fs::file_size(t.path() / "rootfs.sqfs"), true);
  expect_planted_issues(a);
}

TEST(FirmwareBuilt, CpioGzipAndTarXz) {
  require_tool("cpio");
  require_tool("gzip");
  require_tool("xz");
  TempDir t;
  make_rootfs(t.path() / "root");
  sh(fmt::format("cd {} && find . | cpio -o -H newc 2>/dev/null | gzip -9 > {}",
                 (t.path() / "root").string(), (t.path() / "initramfs.cpio.gz").string()));
  const Analysis a = analyze(t.path() / "initramfs.cpio.gz", options());
  ASSERT_NE(chunk_of(a, "gzip"), nullptr);
  EXPECT_EQ(chunk_of(a, "gzip")->end, fs::file_size(t.path() / "initramfs.cpio.gz"));
  ASSERT_NE(chunk_of(a, "cpio"), nullptr);
  expect_planted_issues(a);

  sh(fmt::format("tar -C {} -cJf {} .", (t.path() / "root").string(),
                 (t.path() / "rootfs.tar.xz").string()));
  const Analysis b = analyze(t.path() / "rootfs.tar.xz", options());
  ASSERT_NE(chunk_of(b, "xz"), nullptr);
  ASSERT_NE(chunk_of(b, "tar"), nullptr);
  expect_planted_issues(b);
}

TEST(FirmwareBuilt, UImageContainingSquashfs) {
  require_tool("mkimage");
  require_tool("mksquashfs");
  TempDir t;
  make_rootfs(t.path() / "root");
  sh(fmt::format("mksquashfs {} {} -comp gzip -noappend -quiet >/dev/null",
                 (t.path() / "root").string(), (t.path() / "rootfs.sqfs").string()));
  sh(fmt::format(
      "mkimage -A mips -O linux -T filesystem -C none -n kensa-rootfs -d {} {} >/dev/null",
      (t.path() / "rootfs.sqfs").string(), (t.path() / "rootfs.uimg").string()));
  const Analysis a = analyze(t.path() / "rootfs.uimg", options());
  const Chunk* u = chunk_of(a, "uimage");
  ASSERT_NE(u, nullptr);
  EXPECT_NE(u->detail.find("kensa-rootfs"), std::string::npos);
  EXPECT_TRUE(u->error.empty()) << u->error;
  const Chunk* s = chunk_of(a, "squashfs");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->parent, u->id);
  EXPECT_EQ(s->offset, 64u);  // right after the legacy header
  expect_planted_issues(a);
}

TEST(FirmwareBuilt, FitImageContainingGzipCpio) {
  require_tool("mkimage");
  require_tool("cpio");
  TempDir t;
  make_rootfs(t.path() / "root");
  sh(fmt::format("cd {} && find . | cpio -o -H newc 2>/dev/null | gzip -9 > {}",
                 (t.path() / "root").string(), (t.path() / "initrd.gz").string()));
  sh(fmt::format(
      "mkimage -f auto -A arm -O linux -T ramdisk -C none -n kensa-fit -d {} {} >/dev/null",
      (t.path() / "initrd.gz").string(), (t.path() / "image.itb").string()));
  const Analysis a = analyze(t.path() / "image.itb", options());
  const Chunk* f = chunk_of(a, "fit");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->error.empty()) << f->error;
  const Chunk* g = chunk_of(a, "gzip");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->parent, f->id);
  expect_planted_issues(a);
}

TEST(FirmwareBuilt, TrxContainingLzmaKernelAndSquashfs) {
  require_tool("mksquashfs");
  require_tool("xz");
  TempDir t;
  make_rootfs(t.path() / "root");
  sh(fmt::format("mksquashfs {} {} -comp xz -noappend -quiet >/dev/null",
                 (t.path() / "root").string(), (t.path() / "rootfs.sqfs").string()));
  // A kernel stand-in: the version banner a real kernel carries, padded with code-like bytes.
  std::string kernel = "Linux version 4.14.180 (builder@host) (gcc version 8.4.0) #0 SMP\n";
  for (int i = 0; i < 20000; ++i) kernel += fmt::format("{:08x}", i * 2654435761u);
  write(t.path() / "vmlinux", kernel);
  sh(fmt::format("xz --format=lzma -k -c {} > {}", (t.path() / "vmlinux").string(),
                 (t.path() / "vmlinux.lzma").string()));
  const std::string trx = make_trx(
      {kensa::read_file(t.path() / "vmlinux.lzma"), kensa::read_file(t.path() / "rootfs.sqfs")});
  write(t.path() / "firmware.trx", trx);
  const Analysis a = analyze(t.path() / "firmware.trx", options());
  const Chunk* x = chunk_of(a, "trx");
  ASSERT_NE(x, nullptr);
  EXPECT_TRUE(x->error.empty()) << x->error;
  const Chunk* l = chunk_of(a, "lzma");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->offset, 28u);
  EXPECT_EQ(l->end, 28 + fs::file_size(t.path() / "vmlinux.lzma"));
  ASSERT_NE(component(a, "linux"), nullptr);
  EXPECT_EQ(component(a, "linux")->version, "4.14.180");
  expect_planted_issues(a);

  // The SBOM validates against the CycloneDX 1.5 schema.
  write(t.path() / "sbom.json", cyclonedx_sbom(a).dump(2));
  ASSERT_EQ(std::system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null"), 0)
      << "python3-jsonschema missing (scripts/deps/firmware.txt)";
  sh(fmt::format("/usr/bin/python3 {}/firmware/testdata/validate_sbom.py {}", KENSA_SOURCE_DIR,
                 (t.path() / "sbom.json").string()));
}

const kensa::evidence::Finding* finding(const Analysis& a, const std::string& kind,
                                        const std::string& text) {
  for (const auto& f : a.findings.findings) {
    if (f.kind == kind && f.evidence_text.find(text) != std::string::npos) return &f;
  }
  return nullptr;
}

TEST(FirmwareBuilt, SameCredentialAndKeyAcrossImagesAreShared) {
  require_tool("mksquashfs");
  TempDir t;
  make_rootfs(t.path() / "root");
  sh(fmt::format("mksquashfs {} {} -comp gzip -noappend -quiet >/dev/null",
                 (t.path() / "root").string(), (t.path() / "a.sqfs").string()));
  sh(fmt::format("cd {} && find . | cpio -o -H newc 2>/dev/null > {}", (t.path() / "root").string(),
                 (t.path() / "b.cpio").string()));
  // A third device of the same maker: the same root password, but its own private key.
  make_rootfs(t.path() / "other");
  write(t.path() / "other/etc/config.ini", "[cloud]\n");
  sh(fmt::format("mksquashfs {} {} -comp xz -noappend -quiet >/dev/null",
                 (t.path() / "other").string(), (t.path() / "c.sqfs").string()));
  const auto results =
      analyze_all({t.path() / "a.sqfs", t.path() / "b.cpio", t.path() / "c.sqfs"}, options());
  ASSERT_EQ(results.size(), 3u);
  for (const auto& a : results) {
    const auto* password = finding(a, "shared-credential", "'root'");
    ASSERT_NE(password, nullptr) << a.image;
    EXPECT_EQ(password->evidence["image_paths"].size(), 3u);
  }
  // The key of a and b is one finding each, naming both images and not the third.
  for (std::size_t i : {0u, 1u}) {
    const auto* key = finding(results[i], "shared-credential", "RSA private key (1024 bits)");
    ASSERT_NE(key, nullptr) << results[i].image;
    EXPECT_EQ(key->path, "/etc/ssl/private/device.key");
    EXPECT_EQ(key->evidence["secret"], "private-key");
    const auto paths = key->evidence["image_paths"].get<std::vector<std::string>>();
    EXPECT_EQ(paths, (std::vector<std::string>{results[0].image, results[1].image}));
    EXPECT_NE(key->evidence_text.find(results[1 - i].image), std::string::npos);
  }
  EXPECT_EQ(finding(results[2], "shared-credential", "private key"), nullptr);
}

// The squashfs file reader decodes data blocks, sparse blocks, stored (incompressible) blocks and
// fragment tails by hand, on two threads: every file must come back byte for byte.
TEST(FirmwareBuilt, SquashfsContentsAreExactForEveryBlockKind) {
  require_tool("mksquashfs");
  TempDir t;
  const fs::path root = t.path() / "root";
  std::vector<std::pair<std::string, std::string>> files;
  std::uint32_t x = 12345;
  auto noise = [&](std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) {
      x = x * 1103515245 + 12345;
      c = static_cast<char>(x >> 24);
    }
    return s;
  };
  for (int k = 0; k < 60; ++k) {
    // Small text files (fragments), some block-sized, some spanning blocks with a tail.
    std::string body;
    const std::size_t n = k % 3 == 0 ? 131072 * (1 + k % 4) : k % 3 == 1 ? 37 * k + 1 : 200000 + k;
    while (body.size() < n) body += fmt::format("line {} of file {}\n", body.size(), k);
    body.resize(n);
    files.emplace_back(fmt::format("/d{}/f{}.txt", k % 7, k), body);
  }
  files.emplace_back("/random.bin", noise(300000));  // stored uncompressed
  std::string sparse(3 * 131072, '\0');
  sparse.replace(2 * 131072 + 5, 4, "tail");
  files.emplace_back("/sparse.bin", sparse);
  for (const auto& [path, body] : files) write(root / path.substr(1), body);
  for (const char* comp : {"xz", "gzip", "lzo"}) {
    sh(fmt::format("mksquashfs {} {} -comp {} -noappend -quiet >/dev/null", root.string(),
                   (t.path() / "fs.sqfs").string(), comp));
    const Analysis a = analyze(t.path() / "fs.sqfs", options());
    ASSERT_EQ(a.filesystems.size(), 1u) << comp;
    EXPECT_TRUE(a.errors.empty()) << comp << ": " << a.errors[0];
    std::map<std::string, const Entry*> by_path;
    for (const auto& e : a.filesystems[0].entries) by_path[e.path] = &e;
    for (const auto& [path, body] : files) {
      ASSERT_TRUE(by_path.count(path)) << comp << " " << path;
      EXPECT_TRUE(by_path[path]->data == body) << comp << " " << path;
    }
  }
}

// UBI with a UBIFS volume (LZO) and a squashfs volume, made with mtd-utils' mkfs.ubifs and ubinize.
TEST(FirmwareBuilt, UbiWithUbifsAndSquashfsVolumes) {
  require_tool("mkfs.ubifs");
  require_tool("ubinize");
  require_tool("mksquashfs");
  TempDir t;
  make_rootfs(t.path() / "root");
  write(t.path() / "data/app.conf", "wpa_psk = \"planted-ubi-psk\"\n");
  const std::string dir = t.path().string();
  sh(fmt::format("mkfs.ubifs -r {0}/root -m 2048 -e 126976 -c 64 -x lzo -o {0}/root.ubifs", dir));
  sh(fmt::format("mksquashfs {0}/data {0}/data.sqfs -comp gzip -noappend -quiet >/dev/null", dir));
  write(t.path() / "ubi.ini", fmt::format("[rootfs]\nmode=ubi\nimage={0}/root.ubifs\nvol_id=0\n"
                                          "vol_type=dynamic\nvol_name=rootfs\nvol_size=8MiB\n"
                                          "[data]\nmode=ubi\nimage={0}/data.sqfs\nvol_id=1\n"
                                          "vol_type=static\nvol_name=appdata\n",
                                          dir));
  sh(fmt::format("ubinize -o {0}/flash.ubi -p 128KiB -m 2048 -s 512 {0}/ubi.ini", dir));
  // Behind a bootloader-sized gap, as on a flash dump.
  write(t.path() / "flash.bin",
        std::string(0x40000, '\xff') + kensa::read_file(t.path() / "flash.ubi"));
  const Analysis a = analyze(t.path() / "flash.bin", options());
  const Chunk* u = chunk_of(a, "ubi");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->offset, 0x40000u);
  EXPECT_TRUE(u->error.empty()) << u->error;
  EXPECT_NE(u->detail.find("'rootfs'"), std::string::npos) << u->detail;
  EXPECT_NE(u->detail.find("'appdata'"), std::string::npos) << u->detail;
  const Chunk* f = chunk_of(a, "ubifs");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->error.empty()) << f->error;
  EXPECT_NE(f->detail.find("lzo"), std::string::npos);
  ASSERT_NE(chunk_of(a, "squashfs"), nullptr);
  expect_planted_issues(a);
  EXPECT_TRUE(has_finding(a, "hardcoded-credential", "wpa_psk"));
  // UBIFS entries keep their contents exactly.
  bool busybox_exact = false;
  const std::string busybox = kensa::read_file(t.path() / "root/bin/busybox");
  for (const auto& fs : a.filesystems) {
    for (const auto& e : fs.entries) busybox_exact |= e.path == "/bin/busybox" && e.data == busybox;
  }
  EXPECT_TRUE(busybox_exact);

  // A bare UBIFS image with zlib.
  sh(fmt::format("mkfs.ubifs -r {0}/root -m 2048 -e 126976 -c 64 -x zlib -o {0}/z.ubifs", dir));
  const Analysis z = analyze(t.path() / "z.ubifs", options());
  ASSERT_NE(chunk_of(z, "ubifs"), nullptr);
  EXPECT_TRUE(chunk_of(z, "ubifs")->error.empty()) << chunk_of(z, "ubifs")->error;
  expect_planted_issues(z);
}

// ---- Hostile inputs ----

TEST(FirmwareHostile, GzipBombStopsAtTheRatioLimit) {
  TempDir t;
  sh(fmt::format("head -c 300000000 /dev/zero | gzip -1 > {}", (t.path() / "bomb.gz").string()));
  const Analysis a = analyze(t.path() / "bomb.gz", options());
  const Chunk* g = chunk_of(a, "gzip");
  ASSERT_NE(g, nullptr);
  EXPECT_NE(g->error.find("compression ratio above the limit"), std::string::npos) << g->error;
  EXPECT_LT(g->output_bytes, 64u << 20);
  EXPECT_FALSE(a.errors.empty());
}

TEST(FirmwareHostile, ZipBombStopsAndKeepsEarlierEntries) {
  require_tool("zip");
  TempDir t;
  write(t.path() / "in/readme.txt", "password = hunter22\n");
  sh(
      fmt::format("head -c 200000000 /dev/zero > {}/in/zeros && cd {}/in && zip -q -9 {} "
                  "readme.txt zeros && rm zeros",
                  t.path().string(), t.path().string(), (t.path() / "bomb.zip").string()));
  const Analysis a = analyze(t.path() / "bomb.zip", options());
  const Chunk* z = chunk_of(a, "zip");
  ASSERT_NE(z, nullptr);
  EXPECT_NE(z->error.find("above the limit"), std::string::npos) << z->error;
  ASSERT_EQ(a.filesystems.size(), 1u);
  bool kept = false;
  for (const auto& e : a.filesystems[0].entries)
    kept |= e.path == "/readme.txt" && e.data == "password = hunter22\n";
  EXPECT_TRUE(kept);
}

TEST(FirmwareHostile, TraversalAndSymlinkEscapesStayInsideTheOutputDirectory) {
  TempDir t;
  // tar entries: ../../escape.txt, /abs.txt, a symlink to / and a file written "through" it.
  const std::string script = fmt::format(R"PY(
import io, tarfile
with tarfile.open("{}", "w") as tar:
    def add(name, data=b"pwned\n"):
        info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))
    add("../../escape.txt")
    add("/abs.txt")
    link = tarfile.TarInfo("link"); link.type = tarfile.SYMTYPE; link.linkname = "/"; tar.addfile(link)
    add("link/tmp/through-link.txt")
    dev = tarfile.TarInfo("dev/mem"); dev.type = tarfile.CHRTYPE; dev.devmajor = 1; dev.devminor = 1; tar.addfile(dev)
    add("etc/ok.txt", b"fine\n")
)PY",
                                         (t.path() / "evil.tar").string());
  write(t.path() / "make.py", script);
  sh(fmt::format("/usr/bin/python3 {}", (t.path() / "make.py").string()));
  AnalysisOptions o;
  o.extract_dir = t.path() / "out";
  const Analysis a = analyze(t.path() / "evil.tar", o);
  ASSERT_EQ(a.filesystems.size(), 1u);
  const Chunk* c = chunk_of(a, "tar");
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->error.find("kept inside the root"), std::string::npos) << c->error;
  // Nothing appeared outside the output directory.
  EXPECT_FALSE(fs::exists(t.path() / "escape.txt"));
  EXPECT_FALSE(fs::exists(t.path().parent_path() / "escape.txt"));
  EXPECT_FALSE(fs::exists("/abs.txt"));
  EXPECT_FALSE(fs::exists("/tmp/through-link.txt"));
  // No link and no device node was created; regular files landed below out/.
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(t.path() / "out")) {
    EXPECT_FALSE(e.is_symlink()) << e.path();
    EXPECT_FALSE(e.is_character_file() || e.is_block_file()) << e.path();
    const auto rel = fs::relative(e.path(), t.path() / "out").string();
    EXPECT_EQ(rel.find(".."), std::string::npos);
    files += e.is_regular_file();
  }
  EXPECT_GE(files, 3u);
  EXPECT_EQ(a.files_written, files);
}

TEST(FirmwareHostile, TruncatedSquashfsGivesAnErrorWithTheOffset) {
  require_tool("mksquashfs");
  TempDir t;
  make_rootfs(t.path() / "root");
  sh(fmt::format("mksquashfs {} {} -comp gzip -noappend -quiet >/dev/null",
                 (t.path() / "root").string(), (t.path() / "rootfs.sqfs").string()));
  std::string data = kensa::read_file(t.path() / "rootfs.sqfs");
  std::string image(4096, '\xff');
  image += data.substr(0, data.size() / 2);
  write(t.path() / "cut.bin", image);
  const Analysis a = analyze(t.path() / "cut.bin", options());
  const Chunk* s = chunk_of(a, "squashfs");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->offset, 4096u);
  EXPECT_FALSE(s->error.empty());
  EXPECT_FALSE(a.errors.empty());
}

// ---- Real vendor images (../shared/data/firmware) ----

TEST(FirmwareVendor, TplinkMt7628Rootfs) {
  const fs::path image = kShared / "tplink-mt7628-rootfs.squashfs";
  ASSERT_TRUE(fs::exists(image)) << image << " missing (../shared beside the checkout)";
  const Analysis a = analyze(image, options());
  const Chunk* s = chunk_of(a, "squashfs");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->offset, 0u);
  EXPECT_TRUE(s->error.empty()) << s->error;
  EXPECT_GE(entry_count(a), 362u);
  ASSERT_NE(component(a, "busybox"), nullptr);
  EXPECT_EQ(component(a, "busybox")->version, "1.19.2");
  ASSERT_NE(component(a, "dropbear"), nullptr);
  EXPECT_EQ(component(a, "dropbear")->version, "2012.55");
  ASSERT_NE(component(a, "uclibc"), nullptr);
  EXPECT_EQ(component(a, "uclibc")->version, "0.9.33.2");
  EXPECT_TRUE(has_finding(a, "weak-password-hash", "/etc/passwd.bak"));
  EXPECT_TRUE(has_finding(a, "missing-hardening", "MIPS 32-bit LE"));
  // rcS starts only `cos &`; cos starts tddp (and httpd, upnpd) through system(): found by the
  // heuristic over the strings of boot binaries and their libraries, and marked as such.
  const auto* tddp = finding(a, "debug-service", "tddp");
  ASSERT_NE(tddp, nullptr);
  EXPECT_EQ(tddp->evidence["heuristic"], true);
  EXPECT_NE(tddp->evidence_text.find("/usr/bin/cos"), std::string::npos) << tddp->evidence_text;
  EXPECT_NE(finding(a, "upnp-exposed", "upnpd"), nullptr);
  EXPECT_NE(finding(a, "open-service", "httpd"), nullptr);
  EXPECT_EQ(finding(a, "insecure-service-at-boot", "busybox"), nullptr);
}

TEST(FirmwareVendor, TplinkKernel) {
  const fs::path image = kShared / "tplink-mt7628-kernel.bin";
  ASSERT_TRUE(fs::exists(image));
  const Analysis a = analyze(image, options());
  const Chunk* h = chunk_of(a, "tplink");
  ASSERT_NE(h, nullptr);
  const Chunk* l = chunk_of(a, "lzma");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->offset, 0x200u);
  ASSERT_NE(component(a, "linux"), nullptr);
  EXPECT_EQ(component(a, "linux")->version, "2.6.36");
  // A kernel alone proves nothing about accounts or boot services: those checks are skipped.
  for (const auto& c : a.findings.checks) {
    if (c.check == "firmware.accounts" || c.check == "firmware.boot-services" ||
        c.check == "firmware.update") {
      EXPECT_EQ(c.status, kensa::evidence::CheckStatus::skipped) << c.check;
    }
  }
}

TEST(FirmwareVendor, Esp32CramfsAllFiles) {
  const fs::path image = kShared / "esp32s3-buildroot-rootfs.cramfs";
  ASSERT_TRUE(fs::exists(image));
  const Analysis a = analyze(image, options());
  const Chunk* c = chunk_of(a, "cramfs");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->error.empty()) << c->error;
  // The superblock counts 401 files (binwalk extracts 2 of them).
  EXPECT_GE(entry_count(a), 401u);
  ASSERT_NE(component(a, "busybox"), nullptr);
  EXPECT_EQ(component(a, "busybox")->version, "1.36.0");
  ASSERT_NE(component(a, "dropbear"), nullptr);
  EXPECT_EQ(component(a, "dropbear")->version, "2022.83");
  EXPECT_TRUE(has_finding(a, "empty-password", "'root'"));
  EXPECT_TRUE(has_finding(a, "private-key-embedded", "host private key"));
  EXPECT_TRUE(has_finding(a, "ssh-password-auth", "-B"));
}

TEST(FirmwareVendor, Esp32Jffs2EtcOverlay) {
  const fs::path image = kShared / "esp32s3-buildroot-etc.jffs2";
  ASSERT_TRUE(fs::exists(image));
  const Analysis a = analyze(image, options());
  const Chunk* c = chunk_of(a, "jffs2");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->error.empty()) << c->error;
  EXPECT_EQ(c->end, 0x561cu);
  EXPECT_TRUE(has_finding(a, "empty-password", "/etc/shadow"));
  EXPECT_TRUE(has_finding(a, "ssh-password-auth", "-B"));
  EXPECT_TRUE(has_finding(a, "private-key-embedded", "ssh-ed25519"));
  // The rootfs and its /etc overlay share root's empty password.
  const auto both = analyze_all({kShared / "esp32s3-buildroot-rootfs.cramfs", image}, options());
  EXPECT_TRUE(has_finding(both[0], "shared-credential", "'root'"));
}

TEST(FirmwareVendor, FormatSamples) {
  struct Case {
    const char* file;
    const char* format;
    const char* path;  // an entry that must be present, or "" for streams
  };
  const Case cases[] = {
      {"squashFS__gzip.sqfs", "squashfs", "/testfile1"},
      {"squashFS__xz.sqfs", "squashfs", "/testfile1"},
      {"squashFS__lzma.sqfs", "squashfs", "/testfile1"},
      {"squashFS__zstd.sqfs", "squashfs", "/testfile1"},
      {"squashFS__lz4.sqfs", "squashfs", "/testfile1"},
      {"patool__test.cpio", "cpio", ""},
      {"patool__test.tar", "tar", ""},
      {"sevenz__test.gz", "gzip", ""},
      {"sevenz__test.xz", "xz", ""},
      {"sevenz__cramfs.img", "cramfs", "/testfile1"},
      {"trx__trx.img", "trx", ""},
      {"uboot__uboot.image_with_header", "uimage", ""},
      {"test__trailing_data.lzma", "lzma", ""},
      {"jffs2__jffs2_le.img", "jffs2", "/testfile1"},
      {"jffs2__jffs2_be.img", "jffs2", "/testfile1"},
      {"squashFS__lzo.sqfs", "squashfs", "/testfile1"},
      {"ubi__ubi.img", "ubi", "/testfile1"},
      {"ubi__test.ubifs", "ubifs", "/testfile1"},
  };
  for (const auto& c : cases) {
    const fs::path image = kShared / "formats" / c.file;
    ASSERT_TRUE(fs::exists(image)) << image;
    const Analysis a = analyze(image, options());
    EXPECT_NE(chunk_of(a, c.format), nullptr) << c.file;
    if (*c.path) {
      bool found = false;
      for (const auto& f : a.filesystems) {
        for (const auto& e : f.entries) found |= e.path == c.path && !e.data.empty();
      }
      EXPECT_TRUE(found) << c.file << " " << c.path;
    }
  }
}

// ---- CVE matching ----

// The multi-pattern matcher every byte scan uses skips positions by the shortest pattern's length:
// it must report exactly what comparing every pattern at every position reports, in the same
// order, on bytes full of near misses (a small alphabet, the patterns planted and cut short).
TEST(FirmwareMatcher, FindsWhatComparingEveryPositionFinds) {
  using kensa::firmware::detail::MultiMatcher;
  const std::vector<std::vector<std::string_view>> pattern_sets = {
      {"BusyBox v", "Boa/", "OpenSSL ", "abca", "Boa/x", "cab"},
      {"dropbear_", "SSH-2.0-dropbear_", "dbus", "abab", "babc"},
      {"xy", "yx", "xyz"},
  };
  std::mt19937 random(7);
  for (const auto& patterns : pattern_sets) {
    std::string data;
    const std::string alphabet = "abcdxyzBo/ ";
    for (int k = 0; k < 20000; ++k) {
      if (random() % 50 == 0) {
        const std::string_view p = patterns[random() % patterns.size()];
        data += p.substr(0, 1 + random() % p.size());  // whole or cut short
      } else {
        data += alphabet[random() % alphabet.size()];
      }
    }
    std::vector<std::pair<std::size_t, std::size_t>> expected, found;
    for (std::size_t at = 0; at < data.size(); ++at) {
      for (std::size_t k = 0; k < patterns.size(); ++k) {
        if (std::string_view(data).substr(at, patterns[k].size()) == patterns[k])
          expected.emplace_back(k, at);
      }
    }
    MultiMatcher(patterns).scan(data, [&](std::size_t k, std::size_t at) {
      found.emplace_back(k, at);
      return true;
    });
    EXPECT_GT(expected.size(), 100u);
    EXPECT_EQ(found, expected) << "patterns starting with " << patterns[0];
  }
}

TEST(FirmwareCve, VersionOrder) {
  EXPECT_LT(compare_versions("1.1.1m", "1.1.1n"), 0);
  EXPECT_LT(compare_versions("1.1.1", "1.1.1a"), 0);
  EXPECT_LT(compare_versions("1.0.2zc", "1.0.2zd"), 0);
  EXPECT_LT(compare_versions("1.0.2z", "1.0.2za"), 0);
  EXPECT_LT(compare_versions("1.19.2", "1.36.1"), 0);
  EXPECT_LT(compare_versions("2.9", "2.10"), 0);
  EXPECT_EQ(compare_versions("2012.55", "2012.55"), 0);
  EXPECT_GT(compare_versions("1.36.1", "1.36"), 0);
}

TEST(FirmwareCve, ImportFixturesAndMatch) {
  TempDir t;
  const fs::path db = t.path() / "cve.sqlite";
  std::vector<fs::path> files;
  for (const char* f : {"nvd-api2__CVE-2022-48174.json", "nvd-api2__CVE-2023-28450.json",
                        "cve5__CVE-2022-0778.json", "cve5__CVE-2022-48174.json"}) {
    files.push_back(kShared / "cve" / f);
    ASSERT_TRUE(fs::exists(files.back())) << files.back();
  }
  const auto stats = import_cves(db, files);
  EXPECT_EQ(stats.records, 4u);
  EXPECT_GE(stats.ranges, 5u);
  auto make = [](std::string name, std::string version, std::string vendor) {
    Component c;
    c.name = name;
    c.product = name;
    c.version = std::move(version);
    c.vendor = std::move(vendor);
    return c;
  };
  auto ids = [&](const Component& c) {
    std::set<std::string> out;
    for (const auto& m : match_cves(db, c)) out.insert(m.cve);
    return out;
  };
  Component busybox = make("busybox", "1.19.2", "busybox");
  EXPECT_TRUE(ids(busybox).count("CVE-2022-48174"));
  Component busybox_new = make("busybox", "1.37.0", "busybox");
  EXPECT_FALSE(ids(busybox_new).count("CVE-2022-48174"));
  Component dnsmasq = make("dnsmasq", "2.80", "thekelleys");
  EXPECT_TRUE(ids(dnsmasq).count("CVE-2023-28450"));
  Component dnsmasq_fixed = make("dnsmasq", "2.90", "thekelleys");
  EXPECT_TRUE(ids(dnsmasq_fixed).empty());
  Component openssl = make("openssl", "1.0.2k", "openssl");
  EXPECT_TRUE(ids(openssl).count("CVE-2022-0778"));
  Component openssl_fixed = make("openssl", "1.1.1n", "openssl");
  EXPECT_FALSE(ids(openssl_fixed).count("CVE-2022-0778"));
  for (const auto& m : match_cves(db, dnsmasq)) EXPECT_DOUBLE_EQ(m.cvss, 7.5);
  // The CNA's CVE JSON 5 record of CVE-2022-48174 carries no score and was imported after NVD's
  // (9.8): it must not wipe the score, in either order of import, nor on re-import.
  auto busybox_cvss = [&] {
    for (const auto& m : match_cves(db, busybox))
      if (m.cve == "CVE-2022-48174") return m.cvss;
    return -1.0;
  };
  EXPECT_DOUBLE_EQ(busybox_cvss(), 9.8);
  import_cves(db, {files[3], files[0], files[3]});
  EXPECT_DOUBLE_EQ(busybox_cvss(), 9.8);

  // Through the analysis: the TP-Link rootfs's BusyBox 1.19.2 becomes a vulnerable-component
  // finding.
  AnalysisOptions o;
  o.cve_db = db;
  const Analysis a = analyze(kShared / "tplink-mt7628-rootfs.squashfs", o);
  bool found = false;
  for (const auto& f : a.findings.findings) {
    if (f.kind == "vulnerable-component" &&
        std::find(f.cves.begin(), f.cves.end(), "CVE-2022-48174") != f.cves.end()) {
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(FirmwareCve, IndexOfAnOlderFormatIsRefusedWithWhatToDo) {
  TempDir t;
  const fs::path db = t.path() / "old.sqlite";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TABLE cve(id TEXT PRIMARY KEY, cvss REAL, vector TEXT, "
                         "summary TEXT);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  Component c;
  c.name = c.product = "busybox";
  c.version = "1.19.2";
  try {
    match_cves(db, c);
    ADD_FAILURE() << "a format-1 index was read";
  } catch (const kensa::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("kensa cve import"), std::string::npos) << e.what();
  }
  EXPECT_THROW(import_cves(db, {kShared / "cve" / "nvd-api2__CVE-2022-48174.json"}),
               kensa::InputError);
}

TEST(FirmwareCve, MalformedRecordIsAnInputError) {
  TempDir t;
  write(t.path() / "bad.json", "{\"vulnerabilities\": [ {\"cve\": ");
  EXPECT_THROW(import_cves(t.path() / "db.sqlite", {t.path() / "bad.json"}), kensa::InputError);
  write(t.path() / "other.json", "{\"hello\": 1}");
  EXPECT_THROW(import_cves(t.path() / "db.sqlite", {t.path() / "other.json"}), kensa::InputError);
  // The shared OSV sample (Ubuntu package versions) is refused with what to import instead.
  try {
    import_cves(t.path() / "db.sqlite", {kShared / "cve" / "osv__UBUNTU-CVE-2022-48174.json"});
    ADD_FAILURE() << "an OSV record was imported";
  } catch (const kensa::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("OSV"), std::string::npos) << e.what();
  }
}

TEST(FirmwareCredentials, DictionaryIsLargeAndParses) {
  const auto& creds = builtin_credentials();
  EXPECT_GE(creds.size(), 600u);
  bool mirai = false;
  for (const auto& c : creds) mirai |= c.user == "root" && c.password == "xc3511";
  EXPECT_TRUE(mirai);
  EXPECT_THROW(parse_credentials("no tab here\n", "x.txt"), kensa::InputError);
}

// ---- The kensa binary: subcommands and the assess input ----

TEST(FirmwareCli, FirmwareCveImportSbomAndAssess) {
  TempDir t;
  const std::string kensa = KENSA_BINARY;
  const std::string db = (t.path() / "cve.sqlite").string();
  sh(
      fmt::format("{} cve import --db {} {}/cve/nvd-api2__CVE-2022-48174.json "
                  "{}/cve/nvd-api2__CVE-2023-28450.json >/dev/null",
                  kensa, db, kShared.string(), kShared.string()));
  const fs::path image = kShared / "esp32s3-buildroot-rootfs.cramfs";
  sh(fmt::format("{} firmware {} --cve-db {} --sbom {} -o {} >/dev/null", kensa, image.string(), db,
                 (t.path() / "sbom.json").string(), (t.path() / "findings.json").string()));
  // The findings document is valid kensa.findings/1 and carries the CVE match.
  const auto set = kensa::evidence::parse_findings(kensa::read_file(t.path() / "findings.json"),
                                                   "findings.json");
  bool vulnerable = false;
  for (const auto& f : set.findings)
    vulnerable |= f.kind == "vulnerable-component" && !f.cves.empty();
  EXPECT_TRUE(vulnerable);
  sh(fmt::format("/usr/bin/python3 {}/firmware/testdata/validate_sbom.py {}", KENSA_SOURCE_DIR,
                 (t.path() / "sbom.json").string()));
  // `kensa assess --firmware` runs the collector and decides verdicts from its findings.
  const int rc =
      std::system(fmt::format("{} assess --firmware {} --out {} --format json >/dev/null", kensa,
                              image.string(), (t.path() / "report").string())
                      .c_str());
  EXPECT_EQ(rc, 0);
  const std::string assessment = kensa::read_file(t.path() / "report" / "assessment.json");
  EXPECT_NE(assessment.find("empty-password"), std::string::npos);
  // A missing image is a usage error (exit 2), not a crash.
  EXPECT_EQ(WEXITSTATUS(std::system(
                fmt::format("{} firmware {}/nonexistent.bin 2>/dev/null", kensa, t.path().string())
                    .c_str())),
            2);
}
