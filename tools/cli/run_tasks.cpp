// The per-head tasks of `qtx run`: each prints its results batch by batch, as text or as one
// JSON object per input (--json).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <span>

#include "engine/util/json.h"
#include "tools/cli/run_options.h"

namespace qtx::cli {
namespace {

// Calls `task` on consecutive slices of at most batch_size inputs.
template <typename Task>
void for_each_batch(const std::vector<std::string>& inputs, int batch_size, Task task) {
  for (size_t start = 0; start < inputs.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(inputs.size(), start + static_cast<size_t>(batch_size));
    task(std::vector<std::string>(inputs.begin() + static_cast<std::ptrdiff_t>(start),
                                  inputs.begin() + static_cast<std::ptrdiff_t>(end)));
  }
}

Sequences encode_all(const Model& model, const std::vector<std::string>& inputs,
                     const InputLimit& limit) {
  Sequences ids;
  for (const std::string& text : inputs) ids.push_back(model.encode(text, limit));
  return ids;
}

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

Json float_array(std::span<const float> values) {
  Json out = Json::Array{};
  for (float v : values) out.push_back(static_cast<double>(v));
  return out;
}

Json int_array(std::span<const int32_t> values) {
  Json out = Json::Array{};
  for (int32_t v : values) out.push_back(v);
  return out;
}

void print_masks(const std::string& text, const std::vector<MaskPrediction>& masks, bool json) {
  if (json) {
    Json out;
    out.set("text", text);
    Json list = Json::Array{};
    for (const MaskPrediction& mask : masks) {
      Json predictions = Json::Array{};
      for (const TokenScore& t : mask.top) {
        Json p;
        p.set("token", t.token);
        p.set("id", t.id);
        p.set("score", static_cast<double>(t.probability));
        predictions.push_back(std::move(p));
      }
      Json m;
      m.set("position", mask.position);
      m.set("predictions", std::move(predictions));
      list.push_back(std::move(m));
    }
    out.set("masks", std::move(list));
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << text << "\n";
  for (const MaskPrediction& mask : masks) {
    std::cout << "  mask at token " << mask.position << ":\n";
    for (const TokenScore& t : mask.top) {
      std::cout << "    " << fixed(t.probability, 4) << "  " << t.token << "\n";
    }
  }
}

std::string label_name(const ModelInfo& info, size_t index) {
  return index < info.labels.size() ? info.labels[index] : "LABEL_" + std::to_string(index);
}

}  // namespace

Sequences run_fill_mask(const Session& session, const std::vector<std::string>& inputs,
                        const RunOptions& options) {
  const int top_k = options.top_k > 0 ? options.top_k : 5;
  for_each_batch(inputs, options.batch_size, [&](const std::vector<std::string>& batch) {
    const auto predictions = session.fill_mask(batch, top_k, input_limit(options, false));
    for (size_t i = 0; i < batch.size(); ++i) print_masks(batch[i], predictions[i], options.json);
  });
  return encode_all(session.model(), inputs, input_limit(options, false));
}

Sequences run_generation(const Session& session, const std::vector<std::string>& inputs,
                         const RunOptions& options) {
  GenerationOptions generation;
  generation.max_new_tokens = options.max_new_tokens;
  generation.temperature = options.temperature;
  generation.top_k = options.top_k;
  generation.top_p = options.top_p;
  generation.seed = options.seed;
  generation.input = input_limit(options, false);
  Sequences sequences;
  for_each_batch(inputs, options.batch_size, [&](const std::vector<std::string>& batch) {
    const std::vector<Generation> results = session.generate(batch, generation);
    for (size_t i = 0; i < batch.size(); ++i) {
      const Generation& g = results[i];
      if (options.json) {
        Json out;
        out.set("prompt", batch[i]);
        out.set("new_ids", int_array(g.new_ids));
        out.set("text", g.text);
        out.set("stopped_at_eos", g.stopped_at_eos);
        std::cout << out.dump() << "\n";
      } else {
        std::cout << batch[i] << g.text << "\n";
      }
      sequences.push_back(g.prompt_ids);
      sequences.back().insert(sequences.back().end(), g.new_ids.begin(), g.new_ids.end());
    }
  });
  return sequences;
}

Sequences run_embedding(const Session& session, const std::vector<std::string>& inputs,
                        const RunOptions& options) {
  EmbeddingOptions embedding;
  if (!options.pooling.empty()) embedding.pooling = pooling_from_name(options.pooling);
  if (options.normalize >= 0) embedding.normalize = options.normalize == 1;
  embedding.input = input_limit(options, true);
  for_each_batch(inputs, options.batch_size, [&](const std::vector<std::string>& batch) {
    const auto embeddings = session.embed(batch, embedding);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (options.json) {
        Json out;
        out.set("text", batch[i]);
        out.set("embedding", float_array(embeddings[i]));
        std::cout << out.dump() << "\n";
        continue;
      }
      std::cout << batch[i] << "\n ";
      for (float v : embeddings[i]) std::cout << " " << fixed(v, 6);
      std::cout << "\n";
    }
  });
  return encode_all(session.model(), inputs, embedding.input);
}

Sequences run_classification(const Session& session, const std::vector<std::string>& inputs,
                             const RunOptions& options) {
  const ModelInfo& info = session.model().info();
  for_each_batch(inputs, options.batch_size, [&](const std::vector<std::string>& batch) {
    const auto probabilities = session.classify(batch, input_limit(options, false));
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::vector<float>& p = probabilities[i];
      const auto best = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
      if (options.json) {
        Json out;
        out.set("text", batch[i]);
        out.set("label", label_name(info, best));
        out.set("probabilities", float_array(p));
        std::cout << out.dump() << "\n";
        continue;
      }
      std::cout << batch[i] << "\n";
      for (size_t c = 0; c < p.size(); ++c) {
        std::cout << "  " << fixed(p[c], 4) << "  " << label_name(info, c) << "\n";
      }
    }
  });
  return encode_all(session.model(), inputs, input_limit(options, false));
}

}  // namespace qtx::cli
