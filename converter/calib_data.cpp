#include "converter/calib_data.h"

#include <fstream>
#include <random>
#include <sstream>

#include "engine/text/tokenizer_factory.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

constexpr double kMaskedShare = 0.15;

struct Framing {
  std::vector<int32_t> prefix, suffix;
};

Framing framing_of(const fb::TokenizerT& tokenizer) {
  if (tokenizer.model.type == fb::TokenizerModel::WordPiece) {
    if (tokenizer.cls_id < 0 || tokenizer.sep_id < 0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "calibration: the WordPiece tokenizer has no [CLS] or [SEP] id to frame with");
    }
    return {{tokenizer.cls_id}, {tokenizer.sep_id}};
  }
  const auto* bpe = tokenizer.model.AsBytePairEncoding();
  if (bpe && bpe->add_bos && tokenizer.bos_id >= 0) return {{tokenizer.bos_id}, {}};
  return {};
}

std::string read_text(const std::filesystem::path& file) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(file, error);
  if (error) {
    throw Error(ErrorCode::kIo, "calibration data " + file.string() + ": " + error.message());
  }
  if (size > kMaxCalibrationBytes) {
    throw Error(ErrorCode::kInvalidArgument,
                "calibration data " + file.string() + ": " + std::to_string(size) +
                    " bytes is more than the limit of " + std::to_string(kMaxCalibrationBytes));
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) {
    if (size == 0) return "";
    throw Error(ErrorCode::kIo, "calibration data " + file.string() + ": cannot be read");
  }
  return text.str();
}

// Indices 0..n-1 in the documented shuffled order.
std::vector<size_t> shuffled(size_t n) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(kCalibrationSeed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  return order;
}

// Masks the text tokens of a sequence (not its framing) as BERT's data collator does.
void mask_tokens(std::vector<int32_t>& sequence, size_t first, size_t end,
                 const fb::TokenizerT& tokenizer, std::mt19937_64& rng) {
  if (tokenizer.mask_id < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "calibration: the masked-LM model's tokenizer has no [MASK] id");
  }
  const auto uniform = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  for (size_t i = first; i < end; ++i) {
    if (uniform() >= kMaskedShare) continue;
    const double choice = uniform();
    if (choice < 0.8) {
      sequence[i] = tokenizer.mask_id;
    } else if (choice < 0.9) {
      sequence[i] = static_cast<int32_t>(rng() % tokenizer.vocab.size());
    }
  }
}

}  // namespace

std::vector<std::vector<int32_t>> calibration_sequences(const std::filesystem::path& file,
                                                        const fb::TokenizerT& tokenizer, int count,
                                                        int length, bool masked_lm) {
  const Framing framing = framing_of(tokenizer);
  const size_t frame = framing.prefix.size() + framing.suffix.size();
  if (length <= 0 || static_cast<size_t>(length) <= frame) {
    throw Error(ErrorCode::kInvalidArgument, "calibration: sequence length " +
                                                 std::to_string(length) +
                                                 " leaves no room for text between the model's " +
                                                 std::to_string(frame) + " framing tokens");
  }
  const std::vector<int32_t> ids = text::make_tokenizer(tokenizer)->encode(read_text(file));
  if (ids.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "calibration data " + file.string() +
                                                 " holds no text: refusing to calibrate on "
                                                 "nothing");
  }
  const size_t piece = static_cast<size_t>(length) - frame;
  const size_t pieces = std::max<size_t>(ids.size() / piece, 1);
  const size_t used = std::min(pieces, static_cast<size_t>(std::max(count, 0)));
  const std::vector<size_t> order = shuffled(pieces);
  std::mt19937_64 mask_rng(kCalibrationSeed + 1);
  std::vector<std::vector<int32_t>> sequences;
  for (size_t i = 0; i < used; ++i) {
    const size_t p = order[i];
    const auto begin = ids.begin() + static_cast<ptrdiff_t>(p * piece);
    const auto end = ids.begin() + static_cast<ptrdiff_t>(std::min(ids.size(), (p + 1) * piece));
    std::vector<int32_t> sequence = framing.prefix;
    sequence.insert(sequence.end(), begin, end);
    if (masked_lm) {
      mask_tokens(sequence, framing.prefix.size(), sequence.size(), tokenizer, mask_rng);
    }
    sequence.insert(sequence.end(), framing.suffix.begin(), framing.suffix.end());
    sequences.push_back(std::move(sequence));
  }
  return sequences;
}

}  // namespace qtx::convert
