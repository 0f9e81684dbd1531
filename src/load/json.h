// A small, strict JSON parser for untrusted headers (safetensors): RFC 8259 only, UTF-8 checked,
// nesting and size bounded, integers kept exact. Depends on nothing but the standard library, so
// that the loader builds on machines without our Debian libraries (the GPU machine).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace strata::load {

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind() const { return kind_; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_bool() const { return kind_ == Kind::kBool; }

  // REQUIRES: is_string()
  const std::string& str() const { return string_; }
  // REQUIRES: is_bool()
  bool boolean() const { return bool_; }
  // A number written as an integer (no fraction, no exponent) that fits in int64.
  bool is_integer() const { return kind_ == Kind::kNumber && integer_ok_; }
  // REQUIRES: is_integer()
  int64_t integer() const { return integer_; }
  // REQUIRES: is_array()
  const std::vector<JsonValue>& items() const { return items_; }
  // REQUIRES: is_object(). Members in document order; duplicates are rejected by the parser.
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }
  // The member named `key` of an object; null if absent or if this is not an object.
  const JsonValue* Find(std::string_view key) const;

 private:
  friend class JsonParser;
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  bool integer_ok_ = false;
  int64_t integer_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

// Parses exactly one JSON value; only whitespace may follow it. InvalidArgument, naming the byte
// offset, for anything else: bad UTF-8, control characters in strings, lone surrogates, nesting
// deeper than `max_depth`, more than `max_values` values (each costs ~100 bytes of memory, however
// short its text), duplicate object keys, trailing garbage.
inline constexpr size_t kDefaultMaxJsonValues = size_t{1} << 21;
Result<JsonValue> ParseJson(std::string_view text, int max_depth = 16,
                            size_t max_values = kDefaultMaxJsonValues);

// `text` as a JSON string literal, quotes included (control characters escaped; `text` must be
// UTF-8, which is copied as is).
std::string JsonQuote(std::string_view text);

}  // namespace strata::load
