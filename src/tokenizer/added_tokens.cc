#include "tokenizer/added_tokens.h"

#include <algorithm>
#include <cstring>

#include "tokenizer/unicode_text.h"

namespace edgereason {

void AddedTokenSet::PatternIndex::Build(std::vector<Pattern> patterns) {
  all = std::move(patterns);
  for (const Pattern& p : all) {
    by_first_byte[static_cast<unsigned char>(p.text[0])].push_back(p);
  }
  for (auto& bucket : by_first_byte) {
    std::stable_sort(bucket.begin(), bucket.end(), [](const Pattern& a, const Pattern& b) {
      return a.text.size() > b.text.size();
    });
  }
}

AddedTokenSet::AddedTokenSet(std::vector<AddedToken> tokens,
                             std::vector<std::string> normalized_contents)
    : tokens_(std::move(tokens)) {
  std::vector<Pattern> raw, normalized;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].normalized) {
      std::string text = i < normalized_contents.size() && !normalized_contents[i].empty()
                             ? normalized_contents[i]
                             : tokens_[i].content;
      if (!text.empty()) normalized.push_back({std::move(text), i});
    } else if (!tokens_[i].content.empty()) {
      raw.push_back({tokens_[i].content, i});
    }
  }
  raw_patterns_.Build(std::move(raw));
  normalized_patterns_.Build(std::move(normalized));
}

const AddedToken* AddedTokenSet::FindByContent(std::string_view content) const {
  for (const AddedToken& token : tokens_) {
    if (token.content == content) return &token;
  }
  return nullptr;
}

std::optional<std::pair<size_t, const AddedTokenSet::Pattern*>> AddedTokenSet::FindNext(
    std::string_view text, size_t from, const PatternIndex& index) const {
  for (size_t pos = from; pos < text.size(); ++pos) {
    const auto& bucket = index.by_first_byte[static_cast<unsigned char>(text[pos])];
    for (const Pattern& p : bucket) {  // longest first
      if (p.text.size() <= text.size() - pos &&
          std::memcmp(text.data() + pos, p.text.data(), p.text.size()) == 0) {
        return std::make_pair(pos, &p);
      }
    }
  }
  return std::nullopt;
}

void AddedTokenSet::Split(std::string_view text, Pass pass, bool match_special,
                          std::vector<TextSegment>& segments) const {
  if (text.empty()) return;
  const PatternIndex& index = pass == Pass::kRaw ? raw_patterns_ : normalized_patterns_;
  size_t emitted = 0;  // end of what the segments cover so far
  size_t search_from = 0;
  while (!index.empty()) {
    auto found = FindNext(text, search_from, index);
    if (!found) break;
    size_t start = found->first;
    size_t stop = start + found->second->text.size();
    const AddedToken& token = tokens_[found->second->token_index];
    // Like Hugging Face, the search resumes after the raw match even when the
    // match is then discarded or widened.
    search_from = stop;
    if (token.special && !match_special) continue;
    if (token.single_word) {
      size_t unused;
      const bool word_before =
          start > 0 && IsUnicodeWordChar(DecodeCodePointBefore(text, start, &unused));
      const bool word_after =
          stop < text.size() && IsUnicodeWordChar(DecodeCodePoint(text, stop, &unused));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) {
      size_t new_start = start;
      while (new_start > 0) {
        size_t previous;
        if (!IsUnicodeWhitespace(DecodeCodePointBefore(text, new_start, &previous))) break;
        new_start = previous;
      }
      start = std::max(new_start, emitted);
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t length;
        if (!IsUnicodeWhitespace(DecodeCodePoint(text, stop, &length))) break;
        stop += length;
      }
    }
    // A match that begins inside whitespace a previous rstrip swallowed only
    // keeps its uncovered part.
    start = std::max(start, emitted);
    if (stop <= start) continue;
    if (start > emitted) segments.push_back({emitted, start, -1});
    segments.push_back({start, stop, token.id});
    emitted = stop;
  }
  if (emitted < text.size()) segments.push_back({emitted, text.size(), -1});
}

}  // namespace edgereason
