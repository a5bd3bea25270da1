/* Runs a .qtx model from C: encodes a text, runs one forward pass and prints the output's width
 * and, per position, the index of its largest value (for a language model, the most likely
 * token there).
 *
 *   qtx_c_example MODEL.qtx "some text"
 */
#include <qtx/qtx_c.h>

#include <stdio.h>

static int fail(const char* what, const char* error) {
  fprintf(stderr, "qtx_c_example: %s: %s\n", what, error);
  return 1;
}

int main(int argc, char** argv) {
  char error[512];
  qtx_model* model = NULL;
  qtx_session* session = NULL;
  int32_t* ids = NULL;
  float* values = NULL;
  size_t length = 0, width = 0;
  int status = 1;
  if (argc != 3) {
    fprintf(stderr, "usage: qtx_c_example MODEL.qtx TEXT\n");
    return 2;
  }
  if (qtx_model_load(argv[1], &model, error, sizeof error) != QTX_OK) {
    return fail("loading the model", error);
  }
  if (qtx_session_create(model, QTX_BACKEND_CPU, 0, &session, error, sizeof error) != QTX_OK) {
    status = fail("creating a session", error);
  } else if (qtx_encode(model, argv[2], &ids, &length, error, sizeof error) != QTX_OK) {
    status = fail("encoding the text", error);
  } else if (qtx_forward(session, ids, length, &values, &width, error, sizeof error) != QTX_OK) {
    status = fail("running the model", error);
  } else {
    printf("%zu tokens, %zu values each\n", length, width);
    for (size_t i = 0; i < length; ++i) {
      size_t best = 0;
      for (size_t d = 1; d < width; ++d) {
        if (values[i * width + d] > values[i * width + best]) best = d;
      }
      printf("token %zu: id %d, argmax %zu\n", i, (int)ids[i], best);
    }
    status = 0;
  }
  qtx_free(values);
  qtx_free(ids);
  qtx_session_free(session);
  qtx_model_free(model);
  return status;
}
