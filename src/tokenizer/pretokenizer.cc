#include "tokenizer/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace edgereason {

struct RegexPreTokenizer::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

namespace {

std::string Pcre2ErrorText(int error_code) {
  PCRE2_UCHAR buffer[256];
  const int n = pcre2_get_error_message(error_code, buffer, sizeof(buffer));
  if (n < 0) return "PCRE2 error " + std::to_string(error_code);
  return std::string(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

struct MatchData {
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
  pcre2_match_data* data;
};

}  // namespace

RegexPreTokenizer::~RegexPreTokenizer() = default;

Result<std::unique_ptr<RegexPreTokenizer>> RegexPreTokenizer::Create(std::string_view pattern,
                                                                     bool literal,
                                                                     const std::string& origin) {
  std::unique_ptr<RegexPreTokenizer> splitter(new RegexPreTokenizer());
  splitter->origin_ = origin;
  splitter->code_ = std::make_unique<Code>();
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  // PCRE2_LITERAL refuses UCP (which only matters for classes anyway).
  const uint32_t options = literal ? (PCRE2_UTF | PCRE2_LITERAL) : (PCRE2_UTF | PCRE2_UCP);
  splitter->code_->code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                    &error_code, &error_offset, nullptr);
  if (splitter->code_->code == nullptr) {
    return Unsupported(origin + " holds a pattern PCRE2 cannot compile (" +
                       Pcre2ErrorText(error_code) + " at offset " +
                       std::to_string(error_offset) + ").");
  }
  // JIT is an optimisation only: a platform without it (or one that forbids
  // executable memory) keeps the interpreter.
  splitter->jit_ = pcre2_jit_compile(splitter->code_->code, PCRE2_JIT_COMPLETE) == 0;
  return splitter;
}

Status RegexPreTokenizer::Split(std::string_view text,
                                std::vector<std::string_view>& pieces) const {
  if (text.empty()) return Status::Ok();
  MatchData match(code_->code);
  if (match.data == nullptr) return Internal("out of memory creating PCRE2 match data.");
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t gap_start = 0;  // start of the text not yet emitted
  size_t search_from = 0;
  while (search_from < text.size()) {
    // The caller guarantees valid UTF-8, so PCRE2 need not check it again.
    int rc = jit_ ? pcre2_jit_match(code_->code, subject, text.size(), search_from, 0,
                                    match.data, nullptr)
                  : pcre2_match(code_->code, subject, text.size(), search_from,
                                PCRE2_NO_UTF_CHECK, match.data, nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      // Very long runs can exhaust the JIT's fixed stack; the interpreter
      // keeps its backtracking state on the heap.
      rc = pcre2_match(code_->code, subject, text.size(), search_from,
                       PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, match.data, nullptr);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      return Internal("pre-tokenizer pattern from " + origin_ + " failed on the input (" +
                      Pcre2ErrorText(rc) + ").");
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
    const size_t begin = ovector[0];
    const size_t end = ovector[1];
    if (end == begin) {
      // An empty match splits nothing; step over one character and go on.
      size_t step = 1;
      while (begin + step < text.size() &&
             (static_cast<unsigned char>(text[begin + step]) & 0xC0) == 0x80) {
        ++step;
      }
      search_from = begin + step;
      continue;
    }
    if (begin > gap_start) pieces.push_back(text.substr(gap_start, begin - gap_start));
    pieces.push_back(text.substr(begin, end - begin));
    gap_start = end;
    search_from = end;
  }
  if (gap_start < text.size()) pieces.push_back(text.substr(gap_start));
  return Status::Ok();
}

}  // namespace edgereason
