// The small part of XML that S3 responses need: the text of named elements, entities decoded.
// S3 answers are flat and machine-written (no CDATA, no comments, no nesting of one tag in
// itself), so a scan for <Tag>…</Tag> is exact for them; it is not a general XML parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strata::store {

// The raw inner text of every <tag>…</tag> (or nothing for <tag/>) in `xml`, in order.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag);
// The decoded text of the first <tag>, if any.
std::optional<std::string> XmlText(std::string_view xml, std::string_view tag);
// &amp; &lt; &gt; &quot; &apos; &#N; &#xN; decoded (UTF-8 for numeric references).
std::string XmlUnescape(std::string_view text);
// "2026-11-23T10:48:26.399Z" → nanoseconds since the epoch.
Result<int64_t> ParseIso8601(std::string_view text);

}  // namespace strata::store
