#include "engine/text/tokenizer.h"

#include <string>

namespace qtx::text {

std::vector<int32_t> Tokenizer::encode_for_model(std::string_view text) const {
  return frame(encode(text));
}

std::vector<int32_t> Tokenizer::encode_for_model(std::string_view text, size_t max_tokens) const {
  const size_t framing = frame({}).size();
  if (max_tokens <= framing) {
    throw Error(ErrorCode::kInvalidArgument,
                "a maximum length of " + std::to_string(max_tokens) +
                    " tokens leaves no room for the text beside the model's " +
                    std::to_string(framing) + " framing tokens");
  }
  std::vector<int32_t> body = encode(text);
  if (body.size() + framing > max_tokens) body.resize(max_tokens - framing);
  return frame(body);
}

}  // namespace qtx::text
