// Range estimators (converter/calib_*.h) on distributions whose answer is known by hand or
// analytically, and the range -> scale / zero point mapping (converter/quantize_params.h).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "converter/calib_estimator.h"
#include "converter/calib_histogram.h"
#include "converter/calib_minmax.h"
#include "converter/calib_mse.h"
#include "converter/calib_percentile.h"
#include "converter/quantize_params.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

std::vector<float> gaussian(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  return values;
}

std::vector<float> uniform(size_t n, float lo, float hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(n);
  for (float& v : values) v = dist(rng);
  return values;
}

// Feeds `values` in batches of `batch` elements.
void feed(RangeEstimator& estimator, const std::vector<float>& values, size_t batch) {
  for (size_t i = 0; i < values.size(); i += batch) {
    estimator.observe(
        std::span<const float>(values).subspan(i, std::min(batch, values.size() - i)));
  }
}

TEST(EstimatorTest, MinMaxIsTheExtremesOfAllBatches) {
  MinMaxEstimator estimator;
  feed(estimator, uniform(10000, -2.0f, 3.0f, 1), 1000);
  estimator.observe(std::vector<float>{-7.5f, 0.25f});
  estimator.observe(std::vector<float>{9.0f});
  const ValueRange r = estimator.range();
  EXPECT_EQ(r.min, -7.5f);
  EXPECT_EQ(r.max, 9.0f);
}

TEST(EstimatorTest, RunningMinMaxIsTheHandComputedMovingAverage) {
  RunningMinMaxEstimator estimator;  // momentum 0.9, the first batch initializes
  estimator.observe(std::vector<float>{-1.0f, 0.5f, 2.0f});
  estimator.observe(std::vector<float>{-3.0f, 4.0f});
  estimator.observe(std::vector<float>{0.0f, 1.0f});
  // min: -1 -> 0.9 * -1 + 0.1 * -3 = -1.2 -> 0.9 * -1.2 + 0.1 * 0 = -1.08
  // max:  2 -> 0.9 *  2 + 0.1 *  4 =  2.2 -> 0.9 *  2.2 + 0.1 * 1 =  2.08
  const ValueRange r = estimator.range();
  EXPECT_NEAR(r.min, -1.08f, 1e-6f);
  EXPECT_NEAR(r.max, 2.08f, 1e-6f);
}

TEST(EstimatorTest, PercentileClipsOutliersOfAGaussian) {
  std::vector<float> values = gaussian(400000, 2);
  for (size_t i = 0; i < 20; ++i) values[i * 20000] = (i % 2 == 0) ? 60.0f : -60.0f;
  PercentileEstimator percentile(99.9);
  MinMaxEstimator minmax;
  feed(percentile, values, 50000);
  feed(minmax, values, 50000);
  // The 0.1% and 99.9% quantiles of N(0, 1) are -/+3.0902.
  EXPECT_NEAR(percentile.range().min, -3.0902f, 0.06f);
  EXPECT_NEAR(percentile.range().max, 3.0902f, 0.06f);
  EXPECT_EQ(minmax.range().max, 60.0f);
}

TEST(EstimatorTest, PercentileOfAUniformDistribution) {
  PercentileEstimator estimator(99.0);
  feed(estimator, uniform(200000, 0.0f, 4.0f, 3), 10000);
  EXPECT_NEAR(estimator.range().min, 0.04f, 0.01f);
  EXPECT_NEAR(estimator.range().max, 3.96f, 0.01f);
}

// Expected squared error of quantizing N(0, 1) to the symmetric grid [-q, q] * alpha / q:
// clipping 2 * [(1 + a^2) Q(a) - a phi(a)] plus rounding step^2 / 12 inside [-a, a].
double gaussian_quant_mse(double alpha, int q) {
  const double phi = std::exp(-alpha * alpha / 2.0) / std::sqrt(2.0 * M_PI);
  const double tail = 0.5 * std::erfc(alpha / std::sqrt(2.0));
  const double step = alpha / q;
  return 2.0 * ((1.0 + alpha * alpha) * tail - alpha * phi) +
         step * step / 12.0 * (1.0 - 2.0 * tail);
}

double analytic_optimal_alpha(int q) {
  double best = 0.0, best_error = INFINITY;
  for (double a = 0.5; a < 8.0; a += 1e-4) {
    const double e = gaussian_quant_mse(a, q);
    if (e < best_error) best_error = e, best = a;
  }
  return best;
}

TEST(EstimatorTest, MseFindsTheAnalyticOptimalClippingOfAGaussian) {
  const std::vector<float> values = gaussian(1000000, 4);
  // A 4-bit symmetric grid: a sharp optimum (about 2.5 sigma).
  MseEstimator four_bit(QuantGrid{-7, 7, true});
  feed(four_bit, values, 100000);
  const double alpha4 = analytic_optimal_alpha(7);
  EXPECT_NEAR(alpha4, 2.5, 0.2);  // the analytic value itself (Banner et al.'s table: 2.55)
  EXPECT_NEAR(four_bit.range().max, alpha4, 0.04 * alpha4);
  EXPECT_NEAR(four_bit.range().min, -four_bit.range().max, 1e-6);
  // The 8-bit s8 grid: a flat optimum near 4 sigma, estimated from a finite sample.
  MseEstimator eight_bit(QuantGrid{-127, 127, true});
  feed(eight_bit, values, 100000);
  const double alpha8 = analytic_optimal_alpha(127);
  EXPECT_NEAR(eight_bit.range().max, alpha8, 0.1 * alpha8);
}

TEST(EstimatorTest, MseOnAnAsymmetricGridKeepsZeroAndClipsTheTail) {
  // ReLU of a Gaussian: half the mass at 0, a thin tail to ~5 that costs more step size than
  // its clipping error, so the optimum lies inside the observed range.
  std::vector<float> values = gaussian(400000, 5);
  for (float& v : values) v = std::max(v, 0.0f);
  MseEstimator estimator(activation_grid(false));
  MinMaxEstimator minmax;
  feed(estimator, values, 40000);
  feed(minmax, values, 40000);
  const ValueRange r = estimator.range();
  EXPECT_EQ(r.min, 0.0f);
  EXPECT_GT(r.max, 3.0f);
  EXPECT_LT(r.max, minmax.range().max - 0.3f);
}

TEST(EstimatorTest, HistogramGrowsExactlyAndKeepsQuantiles) {
  Histogram histogram;
  histogram.add(uniform(100000, -0.5f, 0.5f, 6));
  histogram.add(uniform(100000, -8.0f, 8.0f, 7));  // forces four doublings
  EXPECT_DOUBLE_EQ(histogram.total(), 200000.0);
  double counted = 0.0;
  for (int i = 0; i < Histogram::kBins; ++i) counted += histogram.count(i);
  EXPECT_DOUBLE_EQ(counted, 200000.0);
  // Below -0.5 only the wide half contributes: P(x < t) = (t + 8) / 16 / 2, so the 10%
  // quantile is t = -8 + 0.1 * 32 = -4.8; the median is 0 by symmetry.
  EXPECT_NEAR(histogram.quantile(0.1), -4.8, 0.05);
  EXPECT_NEAR(histogram.quantile(0.5), 0.0, 0.02);
}

TEST(EstimatorTest, SpecsParseAndPrint) {
  EXPECT_EQ(EstimatorSpec::parse("minmax").kind, EstimatorKind::kMinMax);
  EXPECT_EQ(EstimatorSpec::parse("running-minmax").kind, EstimatorKind::kRunningMinMax);
  EXPECT_EQ(EstimatorSpec::parse("mse").kind, EstimatorKind::kMse);
  const EstimatorSpec p = EstimatorSpec::parse("percentile:99.999");
  EXPECT_EQ(p.kind, EstimatorKind::kPercentile);
  EXPECT_DOUBLE_EQ(p.percentile, 99.999);
  EXPECT_EQ(p.name(), "percentile:99.999");
  for (const char* bad :
       {"", "max", "percentile:", "percentile:101", "percentile:20", "percentile:9x", "MSE"}) {
    EXPECT_THROW(EstimatorSpec::parse(bad), Error) << bad;
  }
}

TEST(EstimatorTest, RefusesNonFiniteValuesAndEmptyObservation) {
  for (const char* spec : {"minmax", "running-minmax", "percentile:99", "mse"}) {
    auto estimator = make_estimator(EstimatorSpec::parse(spec), activation_grid(false));
    EXPECT_THROW(estimator->range(), Error) << spec;
    estimator->observe(std::vector<float>{});  // ignored
    EXPECT_THROW(estimator->range(), Error) << spec;
    EXPECT_THROW(estimator->observe(std::vector<float>{1.0f, NAN}), Error) << spec;
    EXPECT_THROW(estimator->observe(std::vector<float>{INFINITY}), Error) << spec;
  }
}

TEST(EstimatorTest, RangesBecomeScalesAndZeroPoints) {
  const ActivationQuant asym = activation_quant({-1.0f, 3.0f}, false);
  EXPECT_FLOAT_EQ(asym.scale, 4.0f / 255.0f);
  EXPECT_EQ(asym.zero_point, 64);  // round(1 / (4 / 255)) = round(63.75)
  EXPECT_EQ(asym.qmin, 0);
  EXPECT_EQ(asym.qmax, 255);
  const ActivationQuant positive = activation_quant({0.5f, 2.0f}, false);  // widened to 0
  EXPECT_FLOAT_EQ(positive.scale, 2.0f / 255.0f);
  EXPECT_EQ(positive.zero_point, 0);
  const ActivationQuant negative = activation_quant({-2.0f, -0.5f}, false);
  EXPECT_EQ(negative.zero_point, 255);
  const ActivationQuant sym = activation_quant({-1.0f, 3.0f}, true);
  EXPECT_FLOAT_EQ(sym.scale, 3.0f / 127.0f);
  EXPECT_EQ(sym.zero_point, 0);
  EXPECT_EQ(sym.qmin, -127);
  EXPECT_EQ(sym.qmax, 127);
  for (bool symmetric : {false, true}) {
    const ActivationQuant zeros = activation_quant({0.0f, 0.0f}, symmetric);
    EXPECT_EQ(zeros.scale, kMinScale);
    EXPECT_EQ(zeros.zero_point, 0);
  }
}

}  // namespace
}  // namespace qtx::convert
