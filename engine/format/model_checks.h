// The semantic checks of a model description, run by the loader before anything trusts a file
// (after the FlatBuffers verifier has proven it well-formed) and by the writer before it writes
// one. Each failure is a qtx::Error(kInvalidFile or kUnsupported) whose message starts with
// the file name and names the tensor, node or field at fault.
#pragma once

#include <cstdint>
#include <string>

#include "qtx_generated.h"

namespace qtx::format {

// Everything below, in order: config and tokenizer, tensor table, nodes and graph ends.
void validate_model(const fb::ModelT& desc, uint64_t data_section_size,
                    const std::string& file_name);

// Config (sizes positive and bounded, enums known), tokenizer (vocabulary size, special ids)
// and recipe.
void check_config(const fb::ModelT& desc, const std::string& file_name);

// Names unique and non-empty, dtypes known, constants' shapes and bytes inside the data
// section, quantization parameters consistent.
void check_tensors(const fb::GraphT& graph, uint64_t data_section_size,
                   const std::string& file_name);

// Every node's op, attributes and inputs; every tensor produced once, before it is used.
void check_nodes(const fb::GraphT& graph, const std::string& file_name);

// Limits on what a file may declare: generous for real models, small enough that sizes
// computed from them cannot overflow.
inline constexpr int kMaxRank = 8;
inline constexpr int64_t kMaxVocabSize = int64_t{1} << 24;
inline constexpr int64_t kMaxHiddenSize = int64_t{1} << 17;
inline constexpr int64_t kMaxLayers = 1024;
inline constexpr int64_t kMaxPositions = int64_t{1} << 24;

[[noreturn]] void invalid(const std::string& file_name, const std::string& what);

}  // namespace qtx::format
