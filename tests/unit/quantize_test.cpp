// The quantization rewrite (converter/quantize_plan.h, converter/quantize.h) on a tiny graph
// built by hand: which values get quantizers under each recipe, keep-float patterns, weight
// codes and scales against hand computation, and the recipes' option checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "converter/quant_recipe.h"
#include "converter/quantize.h"
#include "converter/quantize_params.h"
#include "converter/quantize_plan.h"
#include "engine/graph/graph_builder.h"
#include "qtx/error.h"
#include "tests/unit/checkpoint_test_util.h"

namespace qtx::convert {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kVocab = 6, kHidden = 4, kFfn = 8;

Tensor ramp(Shape shape, float first, float step) {
  Tensor t(DType::F32, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = first + step * static_cast<float>(i);
  return t;
}

// ids -> emb -> ln -> q, k, v -> ctx -> o -> res(o + ln) -> ffn (GELU) -> ffn_out
// -> res2(ffn_out + res) -> logits, the LM head tied to the word table "word".
ModelDef tiny_model() {
  ModelDef model;
  GraphBuilder g(model);
  const int ids = g.input("input_ids", DType::I32);
  const int mask = g.input("attention_mask", DType::I32);
  const int word = g.constant("word", ramp({kVocab, kHidden}, -1.0f, 0.1f));
  const int pos = g.constant("pos", ramp({8, kHidden}, 0.0f, 0.01f));
  const int emb = g.node("emb", fb::EmbeddingAttrsT{}, {ids, mask, word, pos, -1, -1});
  fb::LayerNormAttrsT ln_attrs;
  const int ln = g.node("ln", ln_attrs,
                        {emb, g.constant("ln.g", ramp({kHidden}, 1.0f, 0.0f)),
                         g.constant("ln.b", ramp({kHidden}, 0.0f, 0.0f))});
  auto linear = [&](const std::string& name, int x, int64_t out, int64_t in,
                    fb::Activation act = fb::Activation::None) {
    fb::LinearAttrsT attrs;
    attrs.activation = act;
    return g.node(name, attrs,
                  {x, g.constant(name + ".w", ramp({out, in}, -0.5f, 0.03f)),
                   g.constant(name + ".b", ramp({out}, 0.0f, 0.1f))});
  };
  const int q = linear("q", ln, kHidden, kHidden);
  const int k = linear("k", ln, kHidden, kHidden);
  const int v = linear("v", ln, kHidden, kHidden);
  fb::AttentionAttrsT attention;
  attention.num_heads = 2;
  attention.scale = 0.5f;
  const int ctx = g.node("ctx", attention, {q, k, v, mask});
  const int o = linear("o", ctx, kHidden, kHidden);
  const int res = g.node("res", fb::AddAttrsT{}, {o, ln});
  const int ffn = linear("ffn", res, kFfn, kHidden, fb::Activation::Gelu);
  const int ffn_out = linear("ffn_out", ffn, kHidden, kFfn);
  const int res2 = g.node("res2", fb::AddAttrsT{}, {ffn_out, res});
  g.output(g.node("logits", fb::LinearAttrsT{}, {res2, word, -1}));
  g.output(res2);
  return model;
}

QuantRecipe recipe_for(const std::string& mode, std::vector<std::string> keep_float = {}) {
  QuantizeOptions options;
  options.mode = mode;
  options.calibration_data = "calibration.txt";
  options.keep_float = std::move(keep_float);
  return resolve_recipe(options, fb::Family::Bert);
}

QuantRecipe paper_recipe(fb::Family family) {
  QuantizeOptions options;
  options.preset = "paper";
  options.calibration_data = "calibration.txt";
  return resolve_recipe(options, family);
}

std::set<std::string> point_names(const fb::GraphT& graph, const QuantPlan& plan) {
  std::set<std::string> names;
  for (const QuantPoint& p : plan.activations) names.insert(point_name(graph, p));
  return names;
}

std::set<std::string> node_names(const fb::GraphT& graph, const std::vector<int>& nodes) {
  std::set<std::string> names;
  for (int n : nodes) names.insert(graph.nodes[static_cast<size_t>(n)]->name);
  return names;
}

// A C string, not a std::string: g++ 13's -Wdangling-reference flags any reference returned
// from a call that took a temporary object.
const fb::TensorT& tensor(const ModelDef& model, const char* name) {
  for (const auto& t : model.graph().tensors) {
    if (t->name == name) return *t;
  }
  throw std::runtime_error(std::string("no tensor ") + name);
}

size_t tensor_index(const ModelDef& model, const std::string& name) {
  const auto& tensors = model.graph().tensors;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i]->name == name) return i;
  }
  throw std::runtime_error("no tensor " + name);
}

const std::set<std::string> kAllLinears = {"q", "k", "v", "o", "ffn", "ffn_out", "logits"};

// The softmax output stays float (quantize_plan.h says why).
TEST(QuantizeTest, DefaultW8A8QuantizesLinearInputsQkvAndResiduals) {
  const ModelDef model = tiny_model();
  const QuantPlan plan = plan_quantization(model.graph(), recipe_for("w8a8"));
  EXPECT_EQ(node_names(model.graph(), plan.quantized_linears), kAllLinears);
  EXPECT_TRUE(plan.float_linears.empty());
  EXPECT_EQ(point_names(model.graph(), plan),
            (std::set<std::string>{"ln", "q", "k", "v", "ctx", "res", "ffn", "res2"}));
}

// --quantize-softmax-output: the default placement plus the softmax output, nothing else.
TEST(QuantizeTest, SoftmaxOutputFlagAddsTheProbsOfTheAttention) {
  const ModelDef model = tiny_model();
  QuantizeOptions options;
  options.mode = "w8a8";
  options.calibration_data = "calibration.txt";
  options.quantize_softmax_output = true;
  const QuantRecipe recipe = resolve_recipe(options, fb::Family::Bert);
  EXPECT_TRUE(recipe.quantize_softmax_output);
  EXPECT_EQ(recipe.placement, Placement::kDefault);
  const QuantPlan plan = plan_quantization(model.graph(), recipe);
  EXPECT_EQ(node_names(model.graph(), plan.quantized_linears), kAllLinears);
  EXPECT_EQ(point_names(model.graph(), plan),
            (std::set<std::string>{"ln", "q", "k", "v", "ctx:probs", "ctx", "res", "ffn", "res2"}));
  EXPECT_FALSE(recipe_for("w8a8").quantize_softmax_output);
}

// Each flag is its own error, all kInvalidArgument and naming the flag.
TEST(QuantizeTest, SoftmaxOutputFlagNeedsStaticW8A8WithoutThePreset) {
  auto refusal = [](const std::string& mode, const std::string& preset) {
    QuantizeOptions options;
    options.mode = mode;
    options.preset = preset;
    options.calibration_data = "calibration.txt";
    options.quantize_softmax_output = true;
    return testing::error_of([&] { (void)resolve_recipe(options, fb::Family::Opt); },
                             ErrorCode::kInvalidArgument);
  };
  EXPECT_THAT(refusal("w8", ""), HasSubstr("--quantize-softmax-output"));
  EXPECT_THAT(refusal("w8", ""), HasSubstr("not w8 (it quantizes no activations)"));
  EXPECT_THAT(refusal("w8a8-dynamic", ""), HasSubstr("not w8a8-dynamic"));
  EXPECT_THAT(refusal("", "paper"), HasSubstr("--preset paper quantizes the softmax output"));
  EXPECT_THAT(refusal("w8a8", "paper"), HasSubstr("leave --quantize-softmax-output out"));
  // Alone, the flag is a request to quantize, never a silent float conversion.
  EXPECT_THAT(refusal("", ""), HasSubstr("--quantize-softmax-output needs --quantize w8a8"));
}

TEST(QuantizeTest, KeepFloatLeavesTheLinearAndItsInputInFloat) {
  const ModelDef model = tiny_model();
  const QuantPlan plan = plan_quantization(model.graph(), recipe_for("w8a8", {"ffn_o*"}));
  EXPECT_EQ(node_names(model.graph(), plan.float_linears), (std::set<std::string>{"ffn_out"}));
  EXPECT_EQ(point_names(model.graph(), plan),
            (std::set<std::string>{"ln", "q", "k", "v", "ctx", "res", "res2"}));
  // Patterns also match the weight's name: the tied head reads "word".
  const QuantPlan by_weight = plan_quantization(model.graph(), recipe_for("w8", {"wor?"}));
  EXPECT_EQ(node_names(model.graph(), by_weight.float_linears), (std::set<std::string>{"logits"}));
  EXPECT_TRUE(by_weight.activations.empty());
}

TEST(QuantizeTest, PaperPresetPlacesTheQuantizersOfThePaper) {
  const ModelDef model = tiny_model();
  const QuantRecipe recipe = paper_recipe(fb::Family::Bert);
  const QuantPlan plan = plan_quantization(model.graph(), recipe);
  EXPECT_EQ(node_names(model.graph(), plan.float_linears), (std::set<std::string>{"logits"}));
  EXPECT_EQ(point_names(model.graph(), plan),
            (std::set<std::string>{"emb", "ln", "q", "k", "v", "ctx:scores", "ctx:probs", "ctx",
                                   "o", "res", "ffn", "ffn_out", "res2"}));
  EXPECT_TRUE(recipe.quantize_softmax_output);
  EXPECT_TRUE(describe_recipe(recipe, 128)->softmax_output_quantized);
  EXPECT_EQ(recipe.weights, WeightGranularity::kPerTensor);
  EXPECT_EQ(recipe.weight_range, WeightRange::kAbsMax);
  EXPECT_EQ(recipe.estimator.name(), "running-minmax");
  EXPECT_EQ(recipe.calibration_samples, 16 * recipe.calibration_batch);
  EXPECT_FALSE(recipe.symmetric_activations);
  const QuantRecipe opt = paper_recipe(fb::Family::Opt);
  EXPECT_EQ(opt.weight_range, WeightRange::kMse);
  EXPECT_EQ(opt.estimator.name(), "percentile:99.999");
  EXPECT_EQ(opt.calibration_samples, 4 * opt.calibration_batch);
}

TEST(QuantizeTest, DynamicAndWeightOnlyCalibrateNothing) {
  const ModelDef model = tiny_model();
  for (const char* mode : {"w8", "w8a8-dynamic"}) {
    QuantizeOptions options;
    options.mode = mode;  // no calibration data needed
    const QuantPlan plan =
        plan_quantization(model.graph(), resolve_recipe(options, fb::Family::Bert));
    EXPECT_EQ(node_names(model.graph(), plan.quantized_linears), kAllLinears) << mode;
    EXPECT_TRUE(plan.activations.empty()) << mode;
  }
}

TEST(QuantizeTest, WeightCodesAndScalesEqualHandComputation) {
  Tensor w(DType::F32, {3, 3});
  const float values[] = {1.0f, -2.0f, 0.5f, 0.0f, 0.0f, 0.0f, 0.3f, 0.1f, -0.05f};
  std::copy(std::begin(values), std::end(values), w.data<float>());
  const QuantizedWeight per_channel =
      quantize_weight(w, WeightGranularity::kPerChannel, WeightRange::kAbsMax, "w");
  // Row 0: scale 2/127; 1 / (2/127) = 63.5 -> 64 (half to even), -127, 31.75 -> 32.
  // Row 1: all zeros -> kMinScale, codes 0. Row 2: scale 0.3/127: 127, 42.33 -> 42, -21.17 -> -21.
  ASSERT_EQ(per_channel.scales.size(), 3u);
  EXPECT_FLOAT_EQ(per_channel.scales[0], 2.0f / 127.0f);
  EXPECT_EQ(per_channel.scales[1], kMinScale);
  EXPECT_FLOAT_EQ(per_channel.scales[2], 0.3f / 127.0f);
  const std::vector<int8_t> expected = {64, -127, 32, 0, 0, 0, 127, 42, -21};
  EXPECT_EQ(
      std::vector<int8_t>(per_channel.codes.data<int8_t>(), per_channel.codes.data<int8_t>() + 9),
      expected);
  const QuantizedWeight per_tensor =
      quantize_weight(w, WeightGranularity::kPerTensor, WeightRange::kAbsMax, "w");
  ASSERT_EQ(per_tensor.scales.size(), 1u);
  EXPECT_FLOAT_EQ(per_tensor.scales[0], 2.0f / 127.0f);
  // 0.3 / (2/127) = 19.05 -> 19; 0.1 -> 6.35 -> 6; -0.05 -> -3.175 -> -3.
  EXPECT_EQ(per_tensor.codes.data<int8_t>()[6], 19);
  EXPECT_EQ(per_tensor.codes.data<int8_t>()[7], 6);
  EXPECT_EQ(per_tensor.codes.data<int8_t>()[8], -3);
  EXPECT_EQ(weight_quant_params(per_tensor)->axis, -1);
  EXPECT_EQ(weight_quant_params(per_channel)->axis, 0);
}

TEST(QuantizeTest, MseWeightRangeClipsAnOutlierThatAbsMaxKeeps) {
  Tensor w = ramp({1, 1000}, -0.5f, 0.001f);
  w.data<float>()[0] = 20.0f;
  const auto absmax = quantize_weight(w, WeightGranularity::kPerTensor, WeightRange::kAbsMax, "w");
  const auto mse = quantize_weight(w, WeightGranularity::kPerTensor, WeightRange::kMse, "w");
  EXPECT_FLOAT_EQ(absmax.scales[0], 20.0f / 127.0f);
  EXPECT_LT(mse.scales[0], absmax.scales[0]);
}

TEST(QuantizeTest, RewriteStoresInt8WeightsActivationParamsAndTheRecipe) {
  ModelDef model = tiny_model();
  const QuantRecipe recipe = recipe_for("w8a8");
  const QuantPlan plan = plan_quantization(model.graph(), recipe);
  const std::vector<ValueRange> ranges(plan.activations.size(), ValueRange{-1.0f, 3.0f});
  const Tensor q_weight = model.constants[tensor_index(model, "q.w")];
  const float q_row0_absmax = 0.5f;  // the ramp's first row: -0.5, -0.47, -0.44, -0.41
  quantize_model(model, plan, ranges, recipe, 17);

  const fb::TensorT& qw = tensor(model, "q.w");
  EXPECT_EQ(qw.dtype, DType::I8);
  ASSERT_TRUE(qw.quant);
  EXPECT_EQ(qw.quant->axis, 0);
  ASSERT_EQ(qw.quant->scales.size(), static_cast<size_t>(kHidden));
  EXPECT_FLOAT_EQ(qw.quant->scales[0], q_row0_absmax / 127.0f);
  const Tensor& codes = model.constants[tensor_index(model, "q.w")];
  EXPECT_EQ(codes.data<int8_t>()[0], -127);
  EXPECT_EQ(codes.data<int8_t>()[1], static_cast<int8_t>(std::nearbyint(q_weight.data<float>()[1] /
                                                                        (q_row0_absmax / 127.0f))));
  // The tied word table itself becomes int8 per row, read by the Embedding and the head: no
  // copy. Row 0 is -1.0, -0.9, -0.8, -0.7; row 5 is 1.0, 1.1, 1.2, 1.3.
  const fb::TensorT& word = tensor(model, "word");
  EXPECT_EQ(word.dtype, DType::I8);
  ASSERT_TRUE(word.quant);
  EXPECT_EQ(word.quant->axis, 0);
  ASSERT_EQ(word.quant->scales.size(), static_cast<size_t>(kVocab));
  EXPECT_FLOAT_EQ(word.quant->scales[0], 1.0f / 127.0f);
  EXPECT_FLOAT_EQ(word.quant->scales[5], 1.3f / 127.0f);
  const Tensor& word_codes = model.constants[tensor_index(model, "word")];
  EXPECT_EQ(word_codes.data<int8_t>()[1], -114);          // round(-0.9 * 127)
  EXPECT_EQ(word_codes.data<int8_t>()[5 * kHidden], 98);  // round(1.0 / 1.3 * 127)
  const auto word_index = static_cast<int>(tensor_index(model, "word"));
  EXPECT_EQ(model.graph().nodes.front()->inputs[2], word_index);
  EXPECT_EQ(model.graph().nodes.back()->inputs[1], word_index);
  EXPECT_THROW(tensor(model, "word.int8"), std::runtime_error);
  // The position table too, per row: row 0 is 0, 0.01, 0.02, 0.03; row 7 is 0.28 ... 0.31.
  const fb::TensorT& pos = tensor(model, "pos");
  EXPECT_EQ(pos.dtype, DType::I8);
  ASSERT_TRUE(pos.quant);
  EXPECT_EQ(pos.quant->axis, 0);
  ASSERT_EQ(pos.quant->scales.size(), 8u);
  EXPECT_FLOAT_EQ(pos.quant->scales[0], 0.03f / 127.0f);
  EXPECT_FLOAT_EQ(pos.quant->scales[7], 0.31f / 127.0f);
  const Tensor& pos_codes = model.constants[tensor_index(model, "pos")];
  EXPECT_EQ(pos_codes.data<int8_t>()[1], 42);             // round(0.01 / 0.03 * 127) = 42.33
  EXPECT_EQ(pos_codes.data<int8_t>()[7 * kHidden], 115);  // round(0.28 / 0.31 * 127) = 114.7
  // Activations: per-tensor u8 params; biases and norms untouched.
  const fb::TensorT& ln = tensor(model, "ln");
  ASSERT_TRUE(ln.quant);
  EXPECT_FLOAT_EQ(ln.quant->scales[0], 4.0f / 255.0f);
  EXPECT_EQ(ln.quant->zero_points, std::vector<int>{64});
  EXPECT_EQ(ln.quant->qmin, 0);
  EXPECT_EQ(ln.quant->qmax, 255);
  EXPECT_FALSE(tensor(model, "emb").quant);
  EXPECT_FALSE(tensor(model, "o").quant);
  EXPECT_EQ(tensor(model, "q.b").dtype, DType::F32);
  const auto* attention = model.graph().nodes[5]->op.AsAttentionAttrs();
  ASSERT_NE(attention, nullptr);
  EXPECT_FALSE(attention->probs_quant);
  EXPECT_FALSE(attention->scores_quant);
  const fb::QuantRecipeT& r = *model.desc.recipe;
  EXPECT_EQ(r.name, "w8a8");
  EXPECT_EQ(r.weights, DType::I8);
  EXPECT_EQ(r.activations, DType::U8);
  EXPECT_EQ(r.weight_granularity, "per-channel");
  EXPECT_EQ(r.activation_mode, "static");
  EXPECT_EQ(r.estimator, "minmax");
  EXPECT_EQ(r.calibration_data, "calibration.txt");
  EXPECT_EQ(r.calibration_samples, 17);
  EXPECT_FALSE(r.softmax_output_quantized);
  EXPECT_THAT(r.description, HasSubstr("softmax output kept float"));
}

// The probs point becomes the Attention's probs_quant (the runtime's softmax-output quantizer),
// and the record says so.
TEST(QuantizeTest, SoftmaxOutputFlagStoresProbsParamsAndTheRecipeField) {
  ModelDef model = tiny_model();
  QuantizeOptions options;
  options.mode = "w8a8";
  options.calibration_data = "calibration.txt";
  options.quantize_softmax_output = true;
  const QuantRecipe recipe = resolve_recipe(options, fb::Family::Bert);
  const QuantPlan plan = plan_quantization(model.graph(), recipe);
  const std::vector<ValueRange> ranges(plan.activations.size(), ValueRange{0.0f, 1.0f});
  quantize_model(model, plan, ranges, recipe, 3);
  const auto* attention = model.graph().nodes[5]->op.AsAttentionAttrs();
  ASSERT_NE(attention, nullptr);
  ASSERT_TRUE(attention->probs_quant);
  EXPECT_FALSE(attention->scores_quant);
  EXPECT_EQ(attention->probs_quant->axis, -1);
  ASSERT_EQ(attention->probs_quant->scales.size(), 1u);
  EXPECT_FLOAT_EQ(attention->probs_quant->scales[0], 1.0f / 255.0f);
  EXPECT_EQ(attention->probs_quant->zero_points, std::vector<int>{0});
  const fb::QuantRecipeT& r = *model.desc.recipe;
  EXPECT_EQ(r.name, "w8a8");
  EXPECT_TRUE(r.softmax_output_quantized);
  EXPECT_THAT(r.description, HasSubstr("softmax output quantized"));
  EXPECT_THAT(r.description, ::testing::Not(HasSubstr("Bondarenko")));
}

TEST(QuantizeTest, DynamicRewriteFlagsEveryQuantizedLinear) {
  ModelDef model = tiny_model();
  QuantizeOptions options;
  options.mode = "w8a8-dynamic";
  options.keep_float = {"logits"};
  const QuantRecipe recipe = resolve_recipe(options, fb::Family::Bert);
  const QuantPlan plan = plan_quantization(model.graph(), recipe);
  quantize_model(model, plan, {}, recipe, 0);
  for (const auto& node : model.graph().nodes) {
    if (const auto* linear = node->op.AsLinearAttrs()) {
      EXPECT_EQ(linear->dynamic_quant, node->name != "logits") << node->name;
    }
  }
  EXPECT_EQ(tensor(model, "word").dtype, DType::F32);  // the head kept float: no copy
  EXPECT_THROW(tensor(model, "word.int8"), std::runtime_error);
  EXPECT_EQ(model.desc.recipe->activation_mode, "dynamic");
  EXPECT_EQ(model.desc.recipe->keep_float, std::vector<std::string>{"logits"});
}

// A tied head quantized per tensor shares its one-scale table with the Embedding.
TEST(QuantizeTest, TiedWordTableFollowsTheHeadsGranularity) {
  ModelDef model = tiny_model();
  QuantizeOptions options;
  options.mode = "w8";
  options.weights = "per-tensor";
  const QuantRecipe recipe = resolve_recipe(options, fb::Family::Bert);
  quantize_model(model, plan_quantization(model.graph(), recipe), {}, recipe, 0);
  const fb::TensorT& word = tensor(model, "word");
  EXPECT_EQ(word.dtype, DType::I8);
  ASSERT_TRUE(word.quant);
  EXPECT_EQ(word.quant->axis, -1);
  ASSERT_EQ(word.quant->scales.size(), 1u);
  EXPECT_FLOAT_EQ(word.quant->scales[0], 1.3f / 127.0f);
}

// An untied head: the word table becomes int8 per row whatever the head does, unless a
// keep-float pattern names the table.
TEST(QuantizeTest, UntiedWordTableBecomesInt8PerRowUnlessKeptFloat) {
  auto untied = [] {
    ModelDef model = tiny_model();
    const int head = GraphBuilder(model).constant("head", ramp({kVocab, kHidden}, 0.2f, -0.05f));
    model.desc.graph->nodes.back()->inputs[1] = head;
    return model;
  };
  ModelDef float_head = untied();
  const QuantRecipe keep_head = recipe_for("w8", {"logits"});
  quantize_model(float_head, plan_quantization(float_head.graph(), keep_head), {}, keep_head, 0);
  EXPECT_EQ(tensor(float_head, "head").dtype, DType::F32);
  const fb::TensorT& word = tensor(float_head, "word");
  EXPECT_EQ(word.dtype, DType::I8);
  ASSERT_TRUE(word.quant);
  EXPECT_EQ(word.quant->axis, 0);
  EXPECT_EQ(word.quant->scales.size(), static_cast<size_t>(kVocab));

  ModelDef float_table = untied();
  const QuantRecipe keep_table = recipe_for("w8", {"word"});
  quantize_model(float_table, plan_quantization(float_table.graph(), keep_table), {}, keep_table,
                 0);
  EXPECT_EQ(tensor(float_table, "word").dtype, DType::F32);
  EXPECT_EQ(tensor(float_table, "head").dtype, DType::I8);
}

// Position and token-type tables become int8 per row, each unless a keep-float pattern names it.
TEST(QuantizeTest, PositionAndTokenTypeTablesBecomeInt8PerRowUnlessKeptFloat) {
  auto with_token_types = [] {
    ModelDef model = tiny_model();
    const int types = GraphBuilder(model).constant("types", ramp({2, kHidden}, -0.2f, 0.03f));
    model.desc.graph->nodes.front()->inputs[4] = types;
    return model;
  };
  ModelDef all_int8 = with_token_types();
  const QuantRecipe w8 = recipe_for("w8");
  quantize_model(all_int8, plan_quantization(all_int8.graph(), w8), {}, w8, 0);
  for (const char* table : {"word", "pos", "types"}) {
    EXPECT_EQ(tensor(all_int8, table).dtype, DType::I8) << table;
  }
  const fb::TensorT& types = tensor(all_int8, "types");
  ASSERT_TRUE(types.quant);
  EXPECT_EQ(types.quant->scales.size(), 2u);
  EXPECT_FLOAT_EQ(types.quant->scales[0], 0.2f / 127.0f);  // row 0: -0.2, -0.17, -0.14, -0.11

  ModelDef kept = with_token_types();
  const QuantRecipe keep_tables = recipe_for("w8", {"pos", "typ*"});
  quantize_model(kept, plan_quantization(kept.graph(), keep_tables), {}, keep_tables, 0);
  EXPECT_EQ(tensor(kept, "pos").dtype, DType::F32);
  EXPECT_EQ(tensor(kept, "types").dtype, DType::F32);
  EXPECT_EQ(tensor(kept, "word").dtype, DType::I8);
}

// A weight also read by a --keep-float Linear keeps its float tensor; the quantized Linear
// reads an int8 copy.
TEST(QuantizeTest, WeightSharedWithAFloatLinearGetsAnInt8Copy) {
  ModelDef model = tiny_model();
  GraphBuilder g(model);
  const auto q_weight = static_cast<int>(tensor_index(model, "q.w"));
  g.output(g.node("side", fb::LinearAttrsT{}, {model.graph().outputs[1], q_weight, -1}));
  const QuantRecipe recipe = recipe_for("w8", {"side"});
  quantize_model(model, plan_quantization(model.graph(), recipe), {}, recipe, 0);
  EXPECT_EQ(tensor(model, "q.w").dtype, DType::F32);
  EXPECT_EQ(tensor(model, "q.w.int8").dtype, DType::I8);
  EXPECT_EQ(model.graph().nodes[2]->inputs[1], static_cast<int>(tensor_index(model, "q.w.int8")));
  EXPECT_EQ(model.graph().nodes.back()->inputs[1], q_weight);
}

TEST(QuantizeTest, RecipeOptionsAreChecked) {
  QuantizeOptions no_data;
  no_data.mode = "w8a8";
  EXPECT_THROW(resolve_recipe(no_data, fb::Family::Bert), Error);
  QuantizeOptions unknown;
  unknown.mode = "w4a4";
  EXPECT_THROW(resolve_recipe(unknown, fb::Family::Bert), Error);
  QuantizeOptions paper;
  paper.preset = "paper";
  paper.calibration_data = "c.txt";
  paper.weights = "per-channel";
  EXPECT_THROW(resolve_recipe(paper, fb::Family::Bert), Error);
  paper.weights.reset();
  paper.mode = "w8a8-dynamic";
  EXPECT_THROW(resolve_recipe(paper, fb::Family::Bert), Error);
  QuantizeOptions bad_samples;
  bad_samples.mode = "w8";
  bad_samples.calibration_samples = 0;
  EXPECT_THROW(resolve_recipe(bad_samples, fb::Family::Bert), Error);
  QuantizeOptions mismatch;
  mismatch.mode = "w8a8";
  mismatch.calibration_data = "c.txt";
  ModelDef model = tiny_model();
  const QuantRecipe recipe = resolve_recipe(mismatch, fb::Family::Bert);
  EXPECT_THROW(quantize_model(model, plan_quantization(model.graph(), recipe), {}, recipe, 0),
               Error);
}

}  // namespace
}  // namespace qtx::convert
