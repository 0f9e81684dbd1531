#include "load/safetensors.h"

#include <algorithm>
#include <string>

#include "load/json.h"

namespace strata::load {
namespace {

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr DTypeEntry kDTypes[] = {
    {DType::kBool, "BOOL", 1},      {DType::kU8, "U8", 1},          {DType::kI8, "I8", 1},
    {DType::kF8E5M2, "F8_E5M2", 1}, {DType::kF8E4M3, "F8_E4M3", 1}, {DType::kI16, "I16", 2},
    {DType::kU16, "U16", 2},        {DType::kF16, "F16", 2},        {DType::kBF16, "BF16", 2},
    {DType::kI32, "I32", 4},        {DType::kU32, "U32", 4},        {DType::kF32, "F32", 4},
    {DType::kF64, "F64", 8},        {DType::kI64, "I64", 8},        {DType::kU64, "U64", 8},
};

Status Bad(std::string_view what) {
  return Status::InvalidArgument("invalid safetensors file: " + std::string(what));
}

std::string Quoted(std::string_view name) {
  constexpr size_t kMax = 80;  // names in errors are the file's bytes: keep them short
  std::string s(name.substr(0, kMax));
  return "'" + s + (name.size() > kMax ? "…'" : "'");
}

Result<uint64_t> NonNegative(const JsonValue& v, std::string_view what, std::string_view tensor) {
  if (!v.is_integer() || v.integer() < 0) {
    return Bad("tensor " + Quoted(tensor) + ": " + std::string(what) +
               " must be a non-negative integer");
  }
  return static_cast<uint64_t>(v.integer());
}

Result<TensorInfo> ParseTensor(const std::string& name, const JsonValue& value) {
  if (!value.is_object()) return Bad("tensor " + Quoted(name) + " is not an object");
  TensorInfo info;
  info.name = name;
  const JsonValue* dtype = nullptr;
  const JsonValue* shape = nullptr;
  const JsonValue* offsets = nullptr;
  for (const auto& [key, v] : value.members()) {
    if (key == "dtype")
      dtype = &v;
    else if (key == "shape")
      shape = &v;
    else if (key == "data_offsets")
      offsets = &v;
    else
      return Bad("tensor " + Quoted(name) + " has an unknown field " + Quoted(key));
  }
  if (!dtype || !shape || !offsets) {
    return Bad("tensor " + Quoted(name) + " needs dtype, shape and data_offsets");
  }
  if (!dtype->is_string()) return Bad("tensor " + Quoted(name) + ": dtype is not a string");
  auto entry = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                            [&](const DTypeEntry& e) { return e.name == dtype->str(); });
  if (entry == std::end(kDTypes)) {
    return Bad("tensor " + Quoted(name) + " has unknown dtype " + Quoted(dtype->str()));
  }
  info.dtype = entry->dtype;
  if (!shape->is_array()) return Bad("tensor " + Quoted(name) + ": shape is not an array");
  if (shape->items().size() > kMaxTensorDims) {
    return Bad("tensor " + Quoted(name) + ": more than " + std::to_string(kMaxTensorDims) +
               " dimensions");
  }
  uint64_t elements = 1;
  bool overflow = false;
  for (const auto& dim : shape->items()) {
    ASSIGN_OR_RETURN(uint64_t d, NonNegative(dim, "every dimension", name));
    info.shape.push_back(d);
    if (d != 0 && elements > UINT64_MAX / d) overflow = true;
    elements *= d;
  }
  if (!offsets->is_array() || offsets->items().size() != 2) {
    return Bad("tensor " + Quoted(name) + ": data_offsets must be [begin, end]");
  }
  ASSIGN_OR_RETURN(info.begin, NonNegative(offsets->items()[0], "data_offsets", name));
  ASSIGN_OR_RETURN(info.end, NonNegative(offsets->items()[1], "data_offsets", name));
  if (info.end < info.begin) return Bad("tensor " + Quoted(name) + " ends before it begins");
  if (overflow || (entry->size != 0 && elements > UINT64_MAX / entry->size) ||
      elements * entry->size != info.end - info.begin) {
    return Bad("tensor " + Quoted(name) + ": data_offsets span " +
               std::to_string(info.end - info.begin) + " bytes, but shape x dtype needs " +
               (overflow ? std::string("more than 2^64") : std::to_string(elements * entry->size)));
  }
  return info;
}

}  // namespace

size_t DTypeSize(DType dtype) {
  for (const auto& e : kDTypes) {
    if (e.dtype == dtype) return e.size;
  }
  return 0;
}

std::string_view DTypeName(DType dtype) {
  for (const auto& e : kDTypes) {
    if (e.dtype == dtype) return e.name;
  }
  return "?";
}

Result<uint64_t> ParseHeaderLength(std::span<const uint8_t> prefix, uint64_t file_size) {
  if (file_size < kHeaderLengthBytes || prefix.size() < kHeaderLengthBytes) {
    return Bad("shorter than the 8-byte header length");
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | prefix[static_cast<size_t>(i)];
  if (n < 2) return Bad("header length " + std::to_string(n) + " is too small for a JSON object");
  if (n > kMaxHeaderBytes) {
    return Bad("header length " + std::to_string(n) + " exceeds the limit of " +
               std::to_string(kMaxHeaderBytes));
  }
  if (n > file_size - kHeaderLengthBytes) {
    return Bad("header length " + std::to_string(n) + " runs past the end of the file (" +
               std::to_string(file_size) + " bytes)");
  }
  return n;
}

Result<SafetensorsHeader> ParseSafetensorsHeader(std::span<const uint8_t> prefix,
                                                 uint64_t file_size) {
  SafetensorsHeader header;
  ASSIGN_OR_RETURN(header.header_bytes, ParseHeaderLength(prefix, file_size));
  if (prefix.size() < kHeaderLengthBytes + header.header_bytes) {
    return Status::Internal("ParseSafetensorsHeader needs the whole header in `prefix`");
  }
  header.data_offset = kHeaderLengthBytes + header.header_bytes;
  header.data_bytes = file_size - header.data_offset;
  std::string_view json(reinterpret_cast<const char*>(prefix.data()) + kHeaderLengthBytes,
                        header.header_bytes);
  if (json.front() != '{') return Bad("the header does not start with '{'");
  Result<JsonValue> root = ParseJson(json, /*max_depth=*/4, kMaxHeaderValues);
  if (!root.ok()) return Bad("header: " + root.status().message());
  if (!root->is_object()) return Bad("the header is not a JSON object");

  for (const auto& [name, value] : root->members()) {
    if (name == "__metadata__") {
      if (!value.is_object()) return Bad("__metadata__ is not an object");
      for (const auto& [key, v] : value.members()) {
        if (!v.is_string()) return Bad("__metadata__ value of " + Quoted(key) + " is not a string");
        header.metadata.emplace(key, v.str());
      }
      continue;
    }
    ASSIGN_OR_RETURN(TensorInfo info, ParseTensor(name, value));
    header.tensors.push_back(std::move(info));
  }

  // The tensors must tile the data section: sorted by offset, no gap, no overlap, no trailing
  // bytes. (Zero-byte tensors may sit anywhere their offsets say, as long as they stay in order.)
  std::stable_sort(header.tensors.begin(), header.tensors.end(),
                   [](const TensorInfo& a, const TensorInfo& b) {
                     return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
                   });
  uint64_t expected = 0;
  for (const auto& t : header.tensors) {
    if (t.begin < expected) return Bad("tensor " + Quoted(t.name) + " overlaps the one before it");
    if (t.begin > expected) {
      return Bad("a gap of " + std::to_string(t.begin - expected) + " bytes before tensor " +
                 Quoted(t.name));
    }
    expected = t.end;
  }
  if (expected > header.data_bytes) {
    return Bad("tensors need " + std::to_string(expected) + " data bytes, the file has " +
               std::to_string(header.data_bytes));
  }
  if (expected < header.data_bytes) {
    return Bad(std::to_string(header.data_bytes - expected) +
               " trailing bytes after the last tensor");
  }
  return header;
}

}  // namespace strata::load
