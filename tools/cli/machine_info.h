// What `qtx bench` reports about where it ran: the CPU, the cores, the memory peak.
#pragma once

#include <string>

namespace qtx::cli {

struct MachineInfo {
  std::string cpu_model;         // /proc/cpuinfo's "model name", or "unknown CPU"
  unsigned cores = 0;            // std::thread::hardware_concurrency()
  std::string describe() const;  // "Intel(R) Xeon(R) ... (2 cores)"
};

MachineInfo machine_info();

// The process's peak resident set so far (getrusage ru_maxrss), in MiB.
double peak_rss_mb();

}  // namespace qtx::cli
