#include "converter/calib_estimator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "converter/calib_minmax.h"
#include "converter/calib_mse.h"
#include "converter/calib_percentile.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

constexpr const char* kPercentilePrefix = "percentile:";

[[noreturn]] void bad_spec(const std::string& text) {
  throw Error(ErrorCode::kInvalidArgument,
              "estimator '" + text +
                  "': expected minmax, running-minmax, percentile:P (50 <= P <= 100) or mse");
}

double parse_percentile(const std::string& text) {
  const std::string number = text.substr(std::string(kPercentilePrefix).size());
  try {
    size_t used = 0;
    const double p = std::stod(number, &used);
    if (used != number.size() || !(p >= 50.0 && p <= 100.0)) bad_spec(text);
    return p;
  } catch (const std::logic_error&) {
    bad_spec(text);
  }
}

}  // namespace

EstimatorSpec EstimatorSpec::parse(const std::string& text) {
  if (text == "minmax") return {EstimatorKind::kMinMax, 0.0};
  if (text == "running-minmax") return {EstimatorKind::kRunningMinMax, 0.0};
  if (text == "mse") return {EstimatorKind::kMse, 0.0};
  if (text.rfind(kPercentilePrefix, 0) == 0) {
    return {EstimatorKind::kPercentile, parse_percentile(text)};
  }
  bad_spec(text);
}

std::string EstimatorSpec::name() const {
  switch (kind) {
    case EstimatorKind::kMinMax:
      return "minmax";
    case EstimatorKind::kRunningMinMax:
      return "running-minmax";
    case EstimatorKind::kMse:
      return "mse";
    case EstimatorKind::kPercentile:
      break;
  }
  std::ostringstream out;
  out << kPercentilePrefix << percentile;
  return out.str();
}

std::unique_ptr<RangeEstimator> make_estimator(const EstimatorSpec& spec, const QuantGrid& grid) {
  switch (spec.kind) {
    case EstimatorKind::kMinMax:
      return std::make_unique<MinMaxEstimator>();
    case EstimatorKind::kRunningMinMax:
      return std::make_unique<RunningMinMaxEstimator>();
    case EstimatorKind::kPercentile:
      return std::make_unique<PercentileEstimator>(spec.percentile);
    case EstimatorKind::kMse:
      break;
  }
  return std::make_unique<MseEstimator>(grid);
}

ValueRange batch_range(std::span<const float> batch) {
  ValueRange r{batch.front(), batch.front()};
  for (float x : batch) {
    if (!std::isfinite(x)) {
      throw Error(ErrorCode::kInvalidArgument, "range estimator: a non-finite value (" +
                                                   std::to_string(x) + ") in a calibration batch");
    }
    r.min = std::min(r.min, x);
    r.max = std::max(r.max, x);
  }
  return r;
}

void require_observed(bool seen) {
  if (!seen) throw Error(ErrorCode::kInvalidArgument, "range estimator: no value was observed");
}

}  // namespace qtx::convert
