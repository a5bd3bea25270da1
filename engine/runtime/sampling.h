// Choosing the next token from a row of logits: greedy (argmax) or sampling with temperature,
// top-k and top-p applied in Hugging Face's order (temperature, then top-k, then top-p), so a
// user who knows `model.generate(do_sample=True, ...)` gets the same distribution here.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace qtx::runtime {

struct SamplingParams {
  float temperature = 0.0f;  // 0: greedy; > 0: sample from softmax(logits / temperature)
  int top_k = 0;             // 0: off; else keep the k largest logits (and ties with the k-th)
  float top_p = 1.0f;        // 1: off; else keep the smallest head of mass >= top_p
};

// Throws qtx::Error(kInvalidArgument) naming the option that is out of range.
void validate_sampling(const SamplingParams& params);

// The index of the largest logit; the lowest index wins a tie, as torch.argmax does.
int32_t argmax(std::span<const float> logits);

// Masks (sets to -infinity) the logits that top-k and then top-p remove, after dividing by the
// temperature. HF's warpers: TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper.
void apply_temperature(std::span<float> logits, float temperature);
void apply_top_k(std::span<float> logits, int top_k);
void apply_top_p(std::span<float> logits, float top_p);

// One per generate() call: seeded, so the same seed and inputs give the same tokens.
class Sampler {
 public:
  Sampler(SamplingParams params, uint64_t seed);

  // Greedy when the temperature is 0, else a draw from the filtered distribution.
  int32_t next(std::span<const float> logits);

 private:
  int32_t draw(std::span<const float> filtered_logits);

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<float> scratch_;
};

}  // namespace qtx::runtime
