// The C API (qtx/qtx_c.h): every entry point runs its body through `guarded`, which turns any
// exception into a status code and a message, so nothing unwinds into C.
#include "qtx/qtx_c.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "qtx/qtx.h"

struct qtx_model {
  std::shared_ptr<const qtx::Model> model;
};

struct qtx_session {
  qtx::Session session;
};

namespace {

qtx_status status_of(qtx::ErrorCode code) {
  switch (code) {
    case qtx::ErrorCode::kInvalidArgument:
      return QTX_INVALID_ARGUMENT;
    case qtx::ErrorCode::kInvalidFile:
      return QTX_INVALID_FILE;
    case qtx::ErrorCode::kUnsupported:
      return QTX_UNSUPPORTED;
    case qtx::ErrorCode::kIo:
      return QTX_IO;
    case qtx::ErrorCode::kInternal:
      return QTX_INTERNAL;
  }
  return QTX_INTERNAL;
}

qtx_status fail(qtx_status status, const char* message, char* error, size_t error_size) {
  if (error != nullptr && error_size > 0) {
    std::strncpy(error, message, error_size - 1);
    error[error_size - 1] = '\0';
  }
  return status;
}

template <typename Body>
qtx_status guarded(char* error, size_t error_size, Body body) {
  try {
    body();
    return QTX_OK;
  } catch (const qtx::Error& e) {
    return fail(status_of(e.code()), e.what(), error, error_size);
  } catch (const std::bad_alloc&) {
    return fail(QTX_INTERNAL, "out of memory", error, error_size);
  } catch (const std::exception& e) {
    return fail(QTX_INTERNAL, e.what(), error, error_size);
  }
}

void require(bool condition, const char* what) {
  if (!condition) throw qtx::Error(qtx::ErrorCode::kInvalidArgument, what);
}

// malloc'd so that C callers free it with qtx_free (std::free).
template <typename T>
T* c_copy(const T* data, size_t count) {
  auto* out = static_cast<T*>(std::malloc(count * sizeof(T) + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, data, count * sizeof(T));
  return out;
}

}  // namespace

extern "C" {

qtx_status qtx_model_load(const char* path, qtx_model** model, char* error, size_t error_size) {
  return guarded(error, error_size, [&] {
    require(path != nullptr && model != nullptr, "qtx_model_load: path and model are required");
    *model = new qtx_model{qtx::Model::load(path)};
  });
}

void qtx_model_free(qtx_model* model) {
  delete model;
}

qtx_status qtx_session_create(const qtx_model* model, qtx_backend backend, int threads,
                              qtx_session** session, char* error, size_t error_size) {
  return guarded(error, error_size, [&] {
    require(model != nullptr && session != nullptr,
            "qtx_session_create: model and session are required");
    qtx::SessionOptions options;
    options.backend = backend == QTX_BACKEND_REFERENCE ? qtx::SessionOptions::Backend::kReference
                                                       : qtx::SessionOptions::Backend::kCpu;
    options.threads = threads;
    *session = new qtx_session{qtx::Session(model->model, options)};
  });
}

void qtx_session_free(qtx_session* session) {
  delete session;
}

qtx_status qtx_encode(const qtx_model* model, const char* text, int32_t** ids, size_t* length,
                      char* error, size_t error_size) {
  return guarded(error, error_size, [&] {
    require(model != nullptr && text != nullptr && ids != nullptr && length != nullptr,
            "qtx_encode: model, text, ids and length are required");
    const std::vector<int32_t> encoded = model->model->encode(text);
    *ids = c_copy(encoded.data(), encoded.size());
    *length = encoded.size();
  });
}

qtx_status qtx_forward(const qtx_session* session, const int32_t* ids, size_t length,
                       float** values, size_t* width, char* error, size_t error_size) {
  return guarded(error, error_size, [&] {
    require(session != nullptr && ids != nullptr && values != nullptr && width != nullptr,
            "qtx_forward: session, ids, values and width are required");
    const qtx::ForwardResult result =
        session->session.forward({std::vector<int32_t>(ids, ids + length)});
    *values = c_copy(result.values.data(), result.values.size());
    *width = static_cast<size_t>(result.width);
  });
}

qtx_status qtx_generate(const qtx_session* session, const char* prompt,
                        const qtx_generation_options* options, char** text, char* error,
                        size_t error_size) {
  return guarded(error, error_size, [&] {
    require(session != nullptr && prompt != nullptr && options != nullptr && text != nullptr,
            "qtx_generate: session, prompt, options and text are required");
    qtx::GenerationOptions generation;
    generation.max_new_tokens = options->max_new_tokens;
    generation.temperature = options->temperature;
    generation.top_k = options->top_k;
    generation.top_p = options->top_p;
    generation.seed = options->seed;
    const std::string out = session->session.generate({prompt}, generation).at(0).text;
    *text = c_copy(out.c_str(), out.size() + 1);
  });
}

qtx_status qtx_embed(const qtx_session* session, const char* text, size_t max_length,
                     float** values, size_t* size, char* error, size_t error_size) {
  return guarded(error, error_size, [&] {
    require(session != nullptr && text != nullptr && values != nullptr && size != nullptr,
            "qtx_embed: session, text, values and size are required");
    qtx::EmbeddingOptions options;
    options.input.max_length = static_cast<int64_t>(max_length);
    const std::vector<float> embedding = session->session.embed({text}, options).at(0);
    *values = c_copy(embedding.data(), embedding.size());
    *size = embedding.size();
  });
}

void qtx_free(void* pointer) {
  std::free(pointer);
}

}  // extern "C"
