/* The qtx C API: opaque handles and status codes over the C++ library (qtx/qtx.h), for callers
 * in C or through an FFI. No function throws or aborts: each returns a qtx_status and, on
 * failure, writes the message (naming its context) into the caller's error buffer. */
#ifndef QTX_QTX_C_H_
#define QTX_QTX_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  QTX_OK = 0,
  QTX_INVALID_ARGUMENT = 1,
  QTX_INVALID_FILE = 2,
  QTX_UNSUPPORTED = 3,
  QTX_IO = 4,
  QTX_INTERNAL = 5,
} qtx_status;

typedef enum { QTX_BACKEND_CPU = 0, QTX_BACKEND_REFERENCE = 1 } qtx_backend;

typedef struct qtx_model qtx_model;
typedef struct qtx_session qtx_session;

/* `error` may be NULL; else it receives a NUL-terminated message of at most error_size bytes. */
qtx_status qtx_model_load(const char* path, qtx_model** model, char* error, size_t error_size);
void qtx_model_free(qtx_model* model);

/* A session keeps its own reference to the model: the model may be freed before it. */
qtx_status qtx_session_create(const qtx_model* model, qtx_backend backend, int threads,
                              qtx_session** session, char* error, size_t error_size);
void qtx_session_free(qtx_session* session);

/* The model's input ids for `text`, framing included ([CLS] .. [SEP], BOS): `*ids` holds
 * *length ids (free with qtx_free). */
qtx_status qtx_encode(const qtx_model* model, const char* text, int32_t** ids, size_t* length,
                      char* error, size_t error_size);

/* The model's output for one sequence of `length` token ids (framing included): `*values`
 * holds length * *width floats (free with qtx_free). */
qtx_status qtx_forward(const qtx_session* session, const int32_t* ids, size_t length,
                       float** values, size_t* width, char* error, size_t error_size);

typedef struct {
  int max_new_tokens; /* e.g. 20 */
  float temperature;  /* 0: greedy */
  int top_k;          /* 0: off */
  float top_p;        /* 1: off */
  uint64_t seed;
} qtx_generation_options;

/* Continues `prompt` (causal-LM models); `*text` is the new text, NUL-terminated (qtx_free). */
qtx_status qtx_generate(const qtx_session* session, const char* prompt,
                        const qtx_generation_options* options, char** text, char* error,
                        size_t error_size);

/* The embedding of `text` (headless encoders) as the model's defaults compute it (for a
 * sentence-transformers model, its pooling, Dense and Normalize modules), cut to `max_length`
 * tokens (0: the model's own limit): `*values` holds *size floats (free with qtx_free). */
qtx_status qtx_embed(const qtx_session* session, const char* text, size_t max_length,
                     float** values, size_t* size, char* error, size_t error_size);

void qtx_free(void* pointer);

#ifdef __cplusplus
}
#endif

#endif /* QTX_QTX_C_H_ */
