// Shared by the checkpoint reader tests: the fixtures in tests/data/checkpoints and the values
// torch wrote into them (expected.json, from tests/tools/make_checkpoint_fixtures.py).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "converter/checkpoint.h"
#include "engine/util/json.h"
#include "qtx/error.h"

namespace qtx::convert::testing {

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(QTX_TEST_DATA_DIR) / "checkpoints" / name;
}

inline const Json& expected_values() {
  static const Json expected = Json::parse_file(fixture("expected.json").string());
  return expected;
}

// Every tensor torch wrote for `fixture_name` is listed with its shape and loads with exactly
// the values torch stored (float32 widening of F16/BF16 is exact).
inline void expect_values_match(const Checkpoint& checkpoint, const std::string& fixture_name) {
  const Json& tensors = expected_values().at(fixture_name);
  EXPECT_EQ(checkpoint.entries().size(), tensors.as_object().size());
  for (const auto& [name, info] : tensors.as_object()) {
    SCOPED_TRACE(name);
    const TensorEntry* entry = checkpoint.find(name);
    ASSERT_NE(entry, nullptr);
    Shape shape;
    for (const Json& d : info.at("shape").as_array()) shape.push_back(d.as_int());
    EXPECT_EQ(entry->shape, shape);
    const Tensor t = checkpoint.load_f32(name);
    ASSERT_EQ(t.shape(), shape);
    const auto& values = info.at("values").as_array();
    ASSERT_EQ(static_cast<size_t>(t.numel()), values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(t.data<float>()[i], static_cast<float>(values[i].as_number())) << "index " << i;
    }
  }
}

// Runs `action`, expecting a qtx::Error of `code`; returns its message.
inline std::string error_of(const std::function<void()>& action, ErrorCode code) {
  try {
    action();
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.code()), static_cast<int>(code)) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no qtx::Error thrown";
  return "";
}

}  // namespace qtx::convert::testing
