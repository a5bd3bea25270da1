// Embeds sentences with a headless .qtx model (a converted sentence-transformers folder takes its
// own pooling, Dense and Normalize modules) and prints how similar each is to the first.
//
//   qtx_embed_example MODEL.qtx "first sentence" "second sentence" ...
#include <qtx/qtx.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0.0, na = 0.0, nb = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return na > 0.0 && nb > 0.0 ? dot / std::sqrt(na * nb) : 0.0;
}

int usage() {
  std::fprintf(stderr, "usage: qtx_embed_example MODEL.qtx SENTENCE [SENTENCE ...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  try {
    const auto model = qtx::Model::load(argv[1]);
    const qtx::ModelInfo& info = model->info();
    const qtx::TaskDefaults& defaults = info.defaults;
    std::printf("%s (%s), %lld-d embeddings, %s pooling%s, inputs up to %lld tokens\n",
                info.architecture.c_str(), info.recipe.c_str(),
                static_cast<long long>(defaults.embedding_size),
                std::string(qtx::pooling_name(defaults.pooling)).c_str(),
                defaults.normalize ? ", normalised" : "",
                static_cast<long long>(defaults.max_length));
    const std::vector<std::string> sentences(argv + 2, argv + argc);
    const qtx::Session session(model);
    const std::vector<std::vector<float>> embeddings = session.embed(sentences);
    for (size_t i = 0; i < sentences.size(); ++i) {
      std::printf("%.6f  %s\n", cosine(embeddings[0], embeddings[i]), sentences[i].c_str());
    }
  } catch (const qtx::Error& error) {
    std::fprintf(stderr, "qtx_embed_example: %s\n", error.what());
    return 1;
  }
  return 0;
}
