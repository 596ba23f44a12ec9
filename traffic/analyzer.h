#pragma once
// The core loop: frame → decode → behaviour counters → flow lookup → TCP reassembly → dissector
// session → observer. One Analyzer per capture; not thread-safe.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>

#include "traffic/checks.h"
#include "traffic/defrag.h"
#include "traffic/dissector.h"
#include "traffic/flow.h"
#include "traffic/traffic.h"

namespace kensa::traffic {

class Analyzer {
 public:
  Analyzer(const Options& options, std::string capture_name);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // One captured frame of libpcap link type `linktype`; `time` in seconds since the epoch.
  void packet(int linktype, Bytes frame, double time);
  // Findings so far without ending the flows (live capture reports).
  Result snapshot() const;
  // Ends every flow and returns the result; `damaged` is the capture error, if any.
  Result finish(const std::string& damaged = {});

  Stats& stats() { return stats_; }
  std::size_t memory_bytes() const {
    return flows_.memory_bytes() + observer_.memory_bytes() + defrag_.memory_bytes();
  }

 private:
  void on_flow_packet(Flow& flow, const Packet& packet, double time);
  void deliver(Flow& flow, Dir dir, Bytes data, double time);
  void end_flow(Flow& flow, double time);
  Stats stats_with_fragments() const;

  Options options_;
  std::string capture_;
  Stats stats_;
  Observer observer_;
  FlowTable flows_;
  Defragmenter defrag_;
  Packet packet_;
};

// analyze_file over an open stream (a file or fmemopen'ed bytes, for the fuzz target); takes
// ownership of `file`.
Result analyze_stream(FILE* file, const std::string& name, const Options& options);

}  // namespace kensa::traffic
