#include "io/json_file.h"

#include "base/file.h"

namespace edgereason {

Result<nlohmann::json> ParseJson(const std::string& text, const std::string& origin) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Re-parse with exceptions only to recover the position of the error.
    try {
      const nlohmann::json ignored = nlohmann::json::parse(text);
      (void)ignored;  // parse is [[nodiscard]]; only its exception matters here
    } catch (const nlohmann::json::parse_error& e) {
      return CorruptData(origin + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
    } catch (const nlohmann::json::exception& e) {
      // e.g. a number too large for a double ("1e400")
      return CorruptData(origin + ": not valid JSON (" + e.what() + ")");
    }
    return CorruptData(origin + ": not valid JSON");
  }
  return doc;
}

Result<nlohmann::json> ReadJsonFile(const std::string& path) {
  ER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseJson(text, path);
}

}  // namespace edgereason
