// The public API (qtx/qtx.h) end to end on converted shared checkpoints, against Hugging
// Face's goldens (tests/tools/gen_golden.py): encoding, fill-mask top-1 = HF's argmax, right
// and left padding in forward(), sharing a model across threads, and head/input errors.
#include "qtx/qtx.h"

#include <gtest/gtest.h>

#include "qtx/qtx_c.h"

#include <algorithm>
#include <functional>
#include <thread>

#include "converter/convert.h"
#include "engine/util/json.h"
#include "tests/golden/checkpoint_fixture.h"
#include "tests/golden/golden_reader.h"

namespace qtx {
namespace {

// One converted .qtx per shared model for the whole suite (conversion takes a moment).
class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("api");
    for (const char* name : {"bert4L-vanilla", "opt4L-vanilla"}) {
      convert::convert_checkpoint(testing::shared_model_dir(name), path(name), {});
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string path(const std::string& name) {
    return (dir_->path() / (name + ".qtx")).string();
  }
  static std::shared_ptr<const Model> load(const std::string& name) {
    return Model::load(path(name));
  }

 private:
  static testing::TempDir* dir_;
};
testing::TempDir* ApiTest::dir_ = nullptr;

std::vector<int32_t> row_of(const Tensor& ids, const Tensor& mask, int64_t b) {
  std::vector<int32_t> row;
  for (int64_t s = 0; s < ids.dim(1); ++s) {
    const int64_t i = b * ids.dim(1) + s;
    if (mask.data<int32_t>()[i] == 1) row.push_back(ids.data<int32_t>()[i]);
  }
  return row;
}

// Golden texts of a case, in batch order.
std::vector<std::vector<int32_t>> golden_rows(const testing::GoldenCase& c) {
  std::vector<std::vector<int32_t>> rows;
  for (int64_t b = 0; b < c.input_ids.dim(0); ++b) {
    rows.push_back(row_of(c.input_ids, c.attention_mask, b));
  }
  return rows;
}

TEST_F(ApiTest, InfoDescribesTheModel) {
  const auto model = load("bert4L-vanilla");
  const ModelInfo& info = model->info();
  EXPECT_EQ(info.architecture, "BertForMaskedLM");
  EXPECT_EQ(info.family, ModelFamily::kBert);
  EXPECT_EQ(info.head, ModelHead::kMaskedLM);
  EXPECT_EQ(info.hidden_size, 192);
  EXPECT_EQ(info.num_layers, 4);
  EXPECT_EQ(info.num_heads, 3);
  EXPECT_EQ(info.vocab_size, 30522);
  EXPECT_EQ(info.max_positions, 512);
  EXPECT_EQ(info.softmax, "vanilla");
  EXPECT_EQ(info.recipe, "float32");
  EXPECT_EQ(load("opt4L-vanilla")->info().head, ModelHead::kCausalLM);
}

TEST_F(ApiTest, UnframedEncodingAndSpecialTokens) {
  const auto bert = load("bert4L-vanilla");
  const SpecialTokens& b = bert->special_tokens();
  // bert-base-uncased's vocab.txt: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103.
  EXPECT_EQ(b.pad, 0);
  EXPECT_EQ(b.unk, 100);
  EXPECT_EQ(b.cls, 101);
  EXPECT_EQ(b.sep, 102);
  EXPECT_EQ(b.mask, 103);
  EXPECT_EQ(bert->tokenizer_size(), 30522);
  const std::string text = "The capital of France is [MASK].";
  std::vector<int32_t> framed = bert->encode_unframed(text);
  EXPECT_EQ(std::count(framed.begin(), framed.end(), b.mask), 1);
  framed.insert(framed.begin(), b.cls);
  framed.push_back(b.sep);
  EXPECT_EQ(bert->encode(text), framed);

  const auto opt = load("opt4L-vanilla");
  // GPT-2's byte-level BPE: BOS = EOS = PAD = <|endoftext|> 50256, and no [CLS] or [MASK].
  EXPECT_EQ(opt->special_tokens().bos, 50256);
  EXPECT_EQ(opt->special_tokens().eos, 50256);
  EXPECT_EQ(opt->special_tokens().mask, -1);
  EXPECT_EQ(opt->tokenizer_size(), 50257);
  std::vector<int32_t> with_bos = opt->encode_unframed(" Hello world");
  with_bos.insert(with_bos.begin(), 50256);
  EXPECT_EQ(opt->encode(" Hello world"), with_bos);
}

// The texts of every golden case, from the manifest gen_golden.py wrote.
std::vector<std::vector<std::string>> golden_texts(const std::string& model) {
  const Json manifest =
      Json::parse_file(std::string(QTX_TEST_DATA_DIR) + "/golden/" + model + "/manifest.json");
  std::vector<std::vector<std::string>> texts;
  for (const Json& c : manifest.at("cases").as_array()) {
    texts.emplace_back();
    for (const Json& t : c.at("texts").as_array()) texts.back().push_back(t.as_string());
  }
  return texts;
}

TEST_F(ApiTest, FillMaskTop1IsHuggingFacesArgmax) {
  const auto model = load("bert4L-vanilla");
  const Session session(model);
  const testing::GoldenModel golden = testing::read_golden("bert4L-vanilla");
  const auto texts = golden_texts("bert4L-vanilla");
  ASSERT_EQ(texts.size(), golden.cases.size());
  const int32_t mask_id = 103;  // bert-base-uncased's [MASK]
  int checked = 0;
  for (size_t k = 0; k < golden.cases.size(); ++k) {
    const testing::GoldenCase& c = golden.cases[k];
    SCOPED_TRACE(c.name);
    const auto rows = golden_rows(c);
    ASSERT_EQ(texts[k].size(), rows.size());
    for (size_t b = 0; b < rows.size(); ++b) {
      // Our encoding of the text must be HF's (framing included).
      ASSERT_EQ(model->encode(texts[k][b]), rows[b]);
      if (std::find(rows[b].begin(), rows[b].end(), mask_id) == rows[b].end()) continue;
      const auto predictions = session.fill_mask({texts[k][b]}, 3);
      ASSERT_EQ(predictions.size(), 1u);
      size_t m = 0;
      for (size_t s = 0; s < rows[b].size(); ++s) {
        if (rows[b][s] != mask_id) continue;
        ASSERT_LT(m, predictions[0].size());
        const MaskPrediction& p = predictions[0][m++];
        EXPECT_EQ(p.position, static_cast<int64_t>(s));
        // Right padding: the golden's column is the token's index.
        const int64_t golden_index =
            static_cast<int64_t>(b) * c.argmax.dim(1) + static_cast<int64_t>(s);
        EXPECT_EQ(p.top[0].id, c.argmax.data<int32_t>()[golden_index]);
        EXPECT_EQ(p.top[0].token, model->token(p.top[0].id));
        ASSERT_EQ(p.top.size(), 3u);
        EXPECT_GE(p.top[0].probability, p.top[1].probability);
        EXPECT_GE(p.top[1].probability, p.top[2].probability);
        EXPECT_LE(p.top[0].probability + p.top[1].probability + p.top[2].probability, 1.0f);
        ++checked;
      }
      EXPECT_EQ(m, predictions[0].size());
    }
  }
  EXPECT_EQ(checked, 5);  // every [MASK] of the goldens
}

TEST_F(ApiTest, BatchedFillMaskEqualsOneByOne) {
  const Session session(load("bert4L-vanilla"));
  const std::vector<std::string> texts{"the man went to the [MASK] to buy milk.",
                                       "music is the [MASK] of the [MASK]."};
  const auto batched = session.fill_mask(texts, 2);
  for (size_t b = 0; b < texts.size(); ++b) {
    const auto single = session.fill_mask({texts[b]}, 2);
    ASSERT_EQ(batched[b].size(), single[0].size());
    for (size_t m = 0; m < single[0].size(); ++m) {
      EXPECT_EQ(batched[b][m].top[0].id, single[0][m].top[0].id);
      EXPECT_NEAR(batched[b][m].top[0].probability, single[0][m].top[0].probability, 1e-5);
    }
  }
}

TEST_F(ApiTest, LeftPaddedDecoderForwardMatchesHuggingFace) {
  const Session session(load("opt4L-vanilla"));
  const testing::GoldenModel golden = testing::read_golden("opt4L-vanilla");
  for (const testing::GoldenCase& c : golden.cases) {
    SCOPED_TRACE(c.name);
    const auto rows = golden_rows(c);
    const ForwardResult result = session.forward(rows);
    EXPECT_TRUE(result.left_padded);
    ASSERT_EQ(result.width, 50257);
    for (size_t b = 0; b < rows.size(); ++b) {
      const int64_t pad = c.input_ids.dim(1) - static_cast<int64_t>(rows[b].size());
      for (int64_t i = 0; i < static_cast<int64_t>(rows[b].size()); ++i) {
        const auto row = result.row(static_cast<int64_t>(b), i);
        const auto best = std::max_element(row.begin(), row.end()) - row.begin();
        const int64_t golden_index = static_cast<int64_t>(b) * c.argmax.dim(1) + pad + i;
        EXPECT_EQ(best, c.argmax.data<int32_t>()[golden_index]) << "row " << b << " token " << i;
      }
    }
  }
}

TEST_F(ApiTest, SessionsOnManyThreadsShareOneModel) {
  const auto model = load("bert4L-vanilla");
  const std::vector<std::string> texts{"the man went to the [MASK] to buy milk."};
  const auto expected = Session(model).fill_mask(texts, 2);
  std::vector<std::vector<std::vector<MaskPrediction>>> results(4);
  std::vector<std::thread> threads;
  for (auto& r : results) {
    threads.emplace_back([&model, &texts, &r] { r = Session(model).fill_mask(texts, 2); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_EQ(r.size(), 1u);
    ASSERT_EQ(r[0].size(), 1u);
    EXPECT_EQ(r[0][0].top[0].id, expected[0][0].top[0].id);
    EXPECT_EQ(r[0][0].top[0].probability, expected[0][0].top[0].probability);
  }
}

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no qtx::Error thrown";
  return Error(ErrorCode::kInternal, "");
}

TEST_F(ApiTest, WrongHeadAndBadInputsAreClearErrors) {
  const Session bert(load("bert4L-vanilla"));
  const Session opt(load("opt4L-vanilla"));
  Error e = error_of([&] { bert.fill_mask({"no mask here"}, 5); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(std::string(e.what()).find("[MASK]"), std::string::npos) << e.what();
  e = error_of([&] { bert.fill_mask({"a [MASK]"}, 0); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  e = error_of([&] { opt.fill_mask({"a [MASK]"}, 5); });
  EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  EXPECT_NE(std::string(e.what()).find("masked-lm"), std::string::npos) << e.what();
  e = error_of([&] { bert.generate({"hello"}, {}); });
  EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  e = error_of([&] { bert.embed({"hello"}); });
  EXPECT_EQ(e.code(), ErrorCode::kUnsupported);

  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "word ";
  e = error_of([&] { bert.fill_mask({long_text + "[MASK]"}, 5); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(std::string(e.what()).find("maximum length of 512"), std::string::npos) << e.what();
  e = error_of([&] { bert.forward({{101, 30522, 102}}); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(std::string(e.what()).find("30522"), std::string::npos) << e.what();
  e = error_of([&] { bert.forward({}); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
}

TEST_F(ApiTest, CApiRunsAModelAndReportsErrors) {
  char error[512] = "";
  qtx_model* model = nullptr;
  EXPECT_EQ(qtx_model_load("/nonexistent.qtx", &model, error, sizeof error), QTX_IO);
  EXPECT_NE(std::string(error).find("nonexistent.qtx"), std::string::npos) << error;
  ASSERT_EQ(qtx_model_load(path("bert4L-vanilla").c_str(), &model, error, sizeof error), QTX_OK)
      << error;
  qtx_session* session = nullptr;
  ASSERT_EQ(qtx_session_create(model, QTX_BACKEND_CPU, 0, &session, error, sizeof error), QTX_OK);
  qtx_model_free(model);  // the session keeps the model alive
  // "the capital of france is [MASK]." as HF encodes it; HF's argmax at the [MASK] is 2009.
  const int32_t ids[] = {101, 1996, 3007, 1997, 2605, 2003, 103, 1012, 102};
  float* logits = nullptr;
  size_t width = 0;
  ASSERT_EQ(qtx_forward(session, ids, 9, &logits, &width, error, sizeof error), QTX_OK) << error;
  ASSERT_EQ(width, 30522u);
  const float* row = logits + 6 * width;
  EXPECT_EQ(std::max_element(row, row + width) - row, 2009);
  qtx_free(logits);
  const qtx_generation_options options{5, 0.0f, 0, 1.0f, 0};
  char* text = nullptr;
  EXPECT_EQ(qtx_generate(session, "hello", &options, &text, error, sizeof error), QTX_UNSUPPORTED);
  EXPECT_EQ(text, nullptr);
  EXPECT_EQ(qtx_forward(session, ids, 0, &logits, &width, error, sizeof error),
            QTX_INVALID_ARGUMENT);
  qtx_session_free(session);
}

}  // namespace
}  // namespace qtx
