#include "tests/golden/golden_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "engine/util/json.h"

namespace qtx::testing {
namespace {

std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Tensor read_array(const std::string& blob, const Json& arrays, const std::string& name) {
  const Json* spec = arrays.find(name);
  if (spec == nullptr) return Tensor();
  Shape shape;
  for (const auto& d : spec->at("shape").as_array()) shape.push_back(d.as_int());
  const DType dtype = spec->at("dtype").as_string() == "i32" ? DType::I32 : DType::F32;
  Tensor t(dtype, shape);
  const auto offset = static_cast<size_t>(spec->at("offset").as_int());
  if (offset + t.nbytes() > blob.size()) throw std::runtime_error("golden array " + name);
  std::memcpy(t.raw_mutable(), blob.data() + offset, t.nbytes());
  return t;
}

}  // namespace

GoldenModel read_golden(const std::string& model) {
  const auto dir = std::filesystem::path(QTX_TEST_DATA_DIR) / "golden" / model;
  const Json manifest = Json::parse_file((dir / "manifest.json").string());
  GoldenModel golden;
  golden.name = model;
  for (const auto& c : manifest.at("logit_columns").as_array()) {
    golden.logit_columns.push_back(c.as_int());
  }
  for (const auto& spec : manifest.at("cases").as_array()) {
    const std::string blob = read_bytes(dir / spec.at("file").as_string());
    const Json& arrays = spec.at("arrays");
    GoldenCase c;
    c.name = spec.at("name").as_string();
    c.input_ids = read_array(blob, arrays, "input_ids");
    c.attention_mask = read_array(blob, arrays, "attention_mask");
    c.hidden = read_array(blob, arrays, "hidden");
    c.logits = read_array(blob, arrays, "logits");
    c.logsumexp = read_array(blob, arrays, "logsumexp");
    c.argmax = read_array(blob, arrays, "argmax");
    c.mean_pooled = read_array(blob, arrays, "mean_pooled");
    c.normalized = read_array(blob, arrays, "normalized");
    golden.cases.push_back(std::move(c));
  }
  return golden;
}

double masked_relative_error(const Tensor& actual, const Tensor& expected, const Tensor& mask) {
  if (actual.shape() != expected.shape()) {
    throw std::runtime_error("shape " + shape_string(actual.shape()) + " vs expected " +
                             shape_string(expected.shape()));
  }
  const int64_t rows = mask.numel();
  const int64_t width = expected.numel() / rows;
  const float* a = actual.data<float>();
  const float* b = expected.data<float>();
  double max_diff = 0.0, max_ref = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    if (mask.data<int32_t>()[r] == 0) continue;
    for (int64_t i = r * width; i < (r + 1) * width; ++i) {
      max_diff = std::max(max_diff, static_cast<double>(std::fabs(a[i] - b[i])));
      max_ref = std::max(max_ref, static_cast<double>(std::fabs(b[i])));
    }
  }
  return max_ref > 0.0 ? max_diff / max_ref : max_diff;
}

Tensor gather_columns(const Tensor& logits, const std::vector<int64_t>& columns) {
  const int64_t rows = logits.numel() / logits.dim(-1);
  const auto count = static_cast<int64_t>(columns.size());
  Tensor out(DType::F32, {logits.dim(0), logits.dim(1), count});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < count; ++c) {
      out.data<float>()[r * count + c] =
          logits.data<float>()[r * logits.dim(-1) + columns[static_cast<size_t>(c)]];
    }
  }
  return out;
}

Tensor logsumexp_rows(const Tensor& logits) {
  const int64_t vocab = logits.dim(-1);
  Tensor out(DType::F32, {logits.dim(0), logits.dim(1)});
  for (int64_t r = 0; r < out.numel(); ++r) {
    const float* row = logits.data<float>() + r * vocab;
    const double top = *std::max_element(row, row + vocab);
    double sum = 0.0;
    for (int64_t v = 0; v < vocab; ++v) sum += std::exp(row[v] - top);
    out.data<float>()[r] = static_cast<float>(top + std::log(sum));
  }
  return out;
}

Tensor argmax_rows(const Tensor& logits) {
  const int64_t vocab = logits.dim(-1);
  Tensor out(DType::I32, {logits.dim(0), logits.dim(1)});
  for (int64_t r = 0; r < out.numel(); ++r) {
    const float* row = logits.data<float>() + r * vocab;
    out.data<int32_t>()[r] = static_cast<int32_t>(std::max_element(row, row + vocab) - row);
  }
  return out;
}

}  // namespace qtx::testing
