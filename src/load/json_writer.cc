#include "load/json_writer.h"

#include <cassert>
#include <utility>

#include "load/json.h"

namespace strata::load {

void JsonWriter::NewLine() {
  out_ += '\n';
  out_.append(levels_.size() * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (levels_.empty()) return;
  assert(!levels_.back().object && "a value in an object needs its Key first");
  Level& level = levels_.back();
  if (!level.empty) out_ += indent_ ? "," : ", ";
  if (indent_) NewLine();
  level.empty = false;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  assert(!levels_.empty() && levels_.back().object && !after_key_);
  Level& level = levels_.back();
  if (!level.empty) out_ += indent_ ? "," : ", ";
  if (indent_) NewLine();
  level.empty = false;
  out_ += JsonQuote(key);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

void JsonWriter::Open(char bracket, bool object) {
  BeforeValue();
  out_ += bracket;
  levels_.push_back(Level{object});
}

void JsonWriter::Close(char bracket) {
  assert(!levels_.empty() && !after_key_);
  bool empty = levels_.back().empty;
  levels_.pop_back();
  if (indent_ && !empty) NewLine();
  out_ += bracket;
}

JsonWriter& JsonWriter::BeginObject() {
  Open('{', true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  assert(levels_.back().object);
  Close('}');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Open('[', false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  assert(!levels_.back().object);
  Close(']');
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view text) {
  BeforeValue();
  out_ += JsonQuote(text);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_ += json;
  return *this;
}

std::string JsonWriter::Take() {
  assert(levels_.empty() && !after_key_ && !out_.empty());
  if (indent_) out_ += '\n';
  return std::move(out_);
}

}  // namespace strata::load
