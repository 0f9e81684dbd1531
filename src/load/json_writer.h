// JsonWriter: the one way Strata writes JSON (API replies, status documents, records kept in a
// volume), beside the strict parser in json.h. Strings are escaped by construction, commas and
// nesting are the writer's business, so no reply is assembled from format strings. Standard
// library only, like the parser.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::load {

class JsonWriter {
 public:
  // indent 0: one line, items separated by ", " and keys by ": "; indent n: one item per line,
  // nested n spaces deeper per level (what a person reads), and a final newline.
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // REQUIRES: inside an object, and the previous key has its value.
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view text);  // `text` must be UTF-8
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A value that is JSON already. REQUIRES: `json` is one valid JSON value (e.g. ParseJson took
  // it).
  JsonWriter& Raw(std::string_view json);
  template <std::integral T>
  requires(!std::same_as<T, bool>) JsonWriter& Int(T value) {
    BeforeValue();
    out_ += std::to_string(value);
    return *this;
  }

  // Key(key) and its value.
  JsonWriter& Field(std::string_view key, std::string_view text) { return Key(key).String(text); }
  JsonWriter& Field(std::string_view key, const char* text) { return Key(key).String(text); }
  JsonWriter& Field(std::string_view key, const std::string& text) { return Key(key).String(text); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }
  template <std::integral T>
  requires(!std::same_as<T, bool>) JsonWriter& Field(std::string_view key, T value) {
    return Key(key).Int(value);
  }

  // The document. REQUIRES: one complete value, every container closed.
  std::string Take();

 private:
  struct Level {
    bool object;
    bool empty = true;
  };
  void BeforeValue();
  void Open(char bracket, bool object);
  void Close(char bracket);
  void NewLine();

  const int indent_;
  std::string out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

}  // namespace strata::load
