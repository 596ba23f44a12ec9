// Capture input through libpcap (pcap, pcapng, live interfaces) and the text rendering.
#include <fmt/format.h>
#include <pcap/pcap.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "traffic/analyzer.h"
#include "traffic/traffic.h"

namespace kensa::traffic {

namespace {

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

}  // namespace

Result analyze_file(const std::string& path, const Options& options) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    throw InputError(path, 0, 0, fmt::format("cannot open: {}", std::strerror(errno)));
  // libpcap reads records through stdio: a large buffer saves a read system call every 4 KB.
  std::setvbuf(file, nullptr, _IOFBF, 1u << 20);
  Result r = analyze_stream(file, path, options);  // closes the file
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) r.stats.file_bytes = static_cast<std::uint64_t>(st.st_size);
  return r;
}

Result analyze_stream(FILE* file, const std::string& path, const Options& options) {
  // Classic pcap records have a fixed 16-byte header, so the offset of every record is known
  // without asking the stream (ftell costs a system call per packet). pcapng blocks vary; there
  // the position where reading stopped is asked once, at the damage.
  unsigned char magic[4] = {};
  const bool pcapng = std::fread(magic, 1, 4, file) == 4 && magic[0] == 0x0a && magic[1] == 0x0d &&
                      magic[2] == 0x0d && magic[3] == 0x0a;
  std::rewind(file);
  char error[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle =
      pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_MICRO, error);
  if (handle == nullptr) {
    std::fclose(file);
    throw InputError(
        path, 0, 0,
        fmt::format("not a readable pcap or pcapng capture (byte offset 0): {}", error));
  }
  struct Closer {
    pcap_t* h;
    ~Closer() { pcap_close(h); }
  } closer{handle};
  const int linktype = pcap_datalink(handle);
  Analyzer analyzer(options, path);
  std::string damaged;
  std::uint64_t index = 0;
  std::uint64_t offset = 24;  // classic pcap: file header, then records
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle, &header, &data);
    if (rc == 1) {
      ++index;
      offset += 16 + header->caplen;
      analyzer.packet(linktype, Bytes(data, header->caplen), seconds(header->ts));
      continue;
    }
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    const std::string where =
        pcapng ? fmt::format("reading stopped at byte offset {}", std::ftell(pcap_file(handle)))
               : fmt::format("at byte offset {}", offset);
    damaged = fmt::format(
        "{}: capture damaged {} (record {}): {}; the {} packets before it were analysed", path,
        where, index + 1, pcap_geterr(handle), index);
    break;
  }
  return analyzer.finish(damaged);
}

void watch(const std::string& interface_name, const Options& options,
           std::chrono::milliseconds interval, std::chrono::milliseconds duration,
           const std::atomic<bool>& stop, const std::function<void(const Result&)>& on_report) {
  char error[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = pcap_create(interface_name.c_str(), error);
  if (handle == nullptr)
    throw InputError(interface_name, 0, 0, fmt::format("cannot capture: {}", error));
  struct Closer {
    pcap_t* h;
    ~Closer() { pcap_close(h); }
  } closer{handle};
  pcap_set_snaplen(handle, 65535);
  pcap_set_promisc(handle, 1);
  pcap_set_timeout(handle, 100);
  pcap_set_immediate_mode(handle, 1);
  pcap_set_buffer_size(handle, 8 << 20);
  if (const int rc = pcap_activate(handle); rc < 0) {
    throw InputError(
        interface_name, 0, 0,
        fmt::format("cannot capture: {} ({})", pcap_statustostr(rc), pcap_geterr(handle)));
  }
  if (pcap_setnonblock(handle, 1, error) != 0) throw InputError(interface_name, 0, 0, error);
  const int linktype = pcap_datalink(handle);
  Analyzer analyzer(options, "live:" + interface_name);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto next_report = start + interval;
  struct Ctx {
    Analyzer* analyzer;
    int linktype;
  } ctx{&analyzer, linktype};
  auto callback = [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    auto* c = reinterpret_cast<Ctx*>(user);
    c->analyzer->packet(c->linktype, Bytes(bytes, h->caplen), seconds(h->ts));
  };
  while (!stop.load()) {
    const int n = pcap_dispatch(handle, 1024, callback, reinterpret_cast<u_char*>(&ctx));
    if (n < 0) {
      throw InputError(interface_name, 0, 0,
                       fmt::format("capture failed: {}", pcap_geterr(handle)));
    }
    const auto now = Clock::now();
    if (duration.count() > 0 && now - start >= duration) break;
    if (interval.count() > 0 && now >= next_report) {
      on_report(analyzer.snapshot());
      next_report = now + interval;
    }
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Drain what the kernel still holds.
  while (pcap_dispatch(handle, 1024, callback, reinterpret_cast<u_char*>(&ctx)) > 0) {
  }
  on_report(analyzer.finish());
}

std::string render_text(const Result& r) {
  std::string out;
  for (const auto& f : r.findings.findings) {
    out += fmt::format("{:<26} {:<8} {}{}  {}\n", f.kind, evidence::to_string(f.severity), f.target,
                       f.port ? fmt::format(":{}", *f.port) : "", f.evidence_text);
  }
  for (const auto& c : r.findings.checks) {
    out += fmt::format("check {:<30} {:<9} {}\n", c.check, evidence::to_string(c.status), c.detail);
  }
  out += fmt::format("packets {} flows {} undecoded {} reassembly-dropped {} evicted {}\n",
                     r.stats.packets, r.stats.flows, r.stats.undecoded, r.stats.reassembly_dropped,
                     r.stats.flows_evicted);
  if (r.stats.ip_fragments > 0) {
    out += fmt::format(
        "ip-fragments {} reassembled {} overlapping {} conflicting {} datagrams-dropped {}\n",
        r.stats.ip_fragments, r.stats.ip_reassembled, r.stats.ip_fragments_overlapping,
        r.stats.ip_fragments_conflicting, r.stats.ip_datagrams_dropped);
  }
  if (!r.error.empty()) out += "error: " + r.error + "\n";
  return out;
}

}  // namespace kensa::traffic
