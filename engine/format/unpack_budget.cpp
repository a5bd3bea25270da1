#include "engine/format/unpack_budget.h"

#include "qtx/error.h"

namespace qtx::format {
namespace {

using StringVector = flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>;

// Counts the bytes the object API will allocate, and stops at the limit, so the walk itself
// is bounded by the limit as well as by the buffer.
class Budget {
 public:
  Budget(uint64_t limit, const std::string& file_name) : limit_(limit), file_(file_name) {}

  void add(uint64_t bytes) {
    used_ += bytes;
    if (used_ > limit_) {
      throw Error(ErrorCode::kInvalidFile,
                  file_ + ": the model description would unpack into more than " +
                      std::to_string(limit_) + " bytes (shared or aliased data): corrupt file");
    }
  }
  void string(const flatbuffers::String* s) { add(sizeof(std::string) + (s ? s->size() : 0)); }
  void strings(const StringVector* v) {
    if (v == nullptr) return;
    add(uint64_t{v->size()} * sizeof(std::string));
    for (const auto* s : *v) add(s->size());
  }
  template <typename T>
  void scalars(const flatbuffers::Vector<T>* v) {
    if (v != nullptr) add(uint64_t{v->size()} * sizeof(T));
  }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
  const std::string& file_;
};

void count_tokenizer(const fb::Tokenizer& t, Budget& budget) {
  budget.add(sizeof(fb::TokenizerT));
  budget.strings(t.vocab());
  budget.scalars(t.special_tokens());
  if (const auto* wp = t.model_as_WordPiece()) {
    budget.add(sizeof(fb::WordPieceT));
    budget.string(wp->continuing_subword_prefix());
  }
  if (const auto* bpe = t.model_as_BytePairEncoding()) {
    budget.add(sizeof(fb::BytePairEncodingT));
    budget.strings(bpe->merges());
  }
}

void count_tensor(const fb::Tensor& t, Budget& budget) {
  budget.add(sizeof(fb::TensorT) + sizeof(std::unique_ptr<fb::TensorT>));
  budget.string(t.name());
  budget.scalars(t.shape());
  if (const auto* q = t.quant()) {
    budget.add(sizeof(fb::QuantParamsT));
    budget.scalars(q->scales());
    budget.scalars(q->zero_points());
  }
}

void count_node(const fb::Node& n, Budget& budget) {
  // Every attribute table is a few scalars; AttentionAttrsT is the largest.
  budget.add(sizeof(fb::NodeT) + sizeof(std::unique_ptr<fb::NodeT>) + sizeof(fb::AttentionAttrsT));
  budget.string(n.name());
  budget.scalars(n.inputs());
  budget.scalars(n.outputs());
}

void count_graph(const fb::Graph& g, Budget& budget) {
  budget.add(sizeof(fb::GraphT));
  if (const auto* tensors = g.tensors()) {
    for (const auto* t : *tensors) count_tensor(*t, budget);
  }
  if (const auto* nodes = g.nodes()) {
    for (const auto* n : *nodes) count_node(*n, budget);
  }
  budget.scalars(g.inputs());
  budget.scalars(g.outputs());
}

}  // namespace

void check_unpack_budget(const fb::Model& model, uint64_t flatbuffer_size,
                         const std::string& file_name) {
  // A file qtx writes unpacks into about three times its FlatBuffer's size (std::string and
  // table overheads); sixteen times leaves room for other writers' layouts.
  constexpr uint64_t kSlack = uint64_t{1} << 20;
  Budget budget(16 * flatbuffer_size + kSlack, file_name);
  budget.add(sizeof(fb::ModelT));
  budget.string(model.producer());
  budget.add(sizeof(fb::ConfigT));
  budget.string(model.config()->architecture());
  budget.strings(model.config()->labels());
  count_tokenizer(*model.tokenizer(), budget);
  budget.add(sizeof(fb::QuantRecipeT));
  budget.string(model.recipe()->name());
  budget.string(model.recipe()->description());
  count_graph(*model.graph(), budget);
}

}  // namespace qtx::format
