#include "tools/cli/machine_info.h"

#include <sys/resource.h>

#include <fstream>
#include <thread>

namespace qtx::cli {
namespace {

constexpr double kKibPerMib = 1024.0;

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t");
  const size_t last = s.find_last_not_of(" \t\r");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    const size_t colon = line.find(':');
    if (colon != std::string::npos && trim(line.substr(0, colon)) == "model name") {
      return trim(line.substr(colon + 1));
    }
  }
  return "unknown CPU";
}

}  // namespace

std::string MachineInfo::describe() const {
  return cpu_model + " (" + std::to_string(cores) + " cores)";
}

MachineInfo machine_info() {
  return {cpu_model_name(), std::thread::hardware_concurrency()};
}

double peak_rss_mb() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0.0;
  return static_cast<double>(usage.ru_maxrss) / kKibPerMib;  // Linux reports KiB
}

}  // namespace qtx::cli
