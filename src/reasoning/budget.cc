#include "reasoning/budget.h"

#include <algorithm>

#include "verify/answer_checker.h"

namespace edgereason {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Appends "}" for every "{" left open, so "\boxed{42" reads as "\boxed{42}".
std::string CloseOpenBraces(std::string text) {
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      ++i;  // an escaped brace does not count
    } else if (text[i] == '{') {
      ++depth;
    } else if (text[i] == '}' && depth > 0) {
      --depth;
    }
  }
  text.append(static_cast<size_t>(std::min(depth, 64)), '}');
  return text;
}

}  // namespace

Status ValidateBudgetConfig(const BudgetConfig& c) {
  if (c.cap < 1) return InvalidArgument("budget: the cap must be at least 1 token");
  if (c.answer_tokens < 0) return InvalidArgument("budget: answer_tokens must not be negative");
  if (c.think_end_tag.empty()) return InvalidArgument("budget: the end-of-thinking tag is empty");
  if (c.forced_text.find(c.think_end_tag) == std::string::npos) {
    return InvalidArgument("budget: the forced text '" + c.forced_text +
                           "' does not contain the end-of-thinking tag '" + c.think_end_tag + "'");
  }
  for (int64_t b : c.buckets) {
    if (b < 1) return InvalidArgument("budget: buckets must be positive");
  }
  return Status::Ok();
}

int64_t BudgetBucket(const BudgetConfig& config, int64_t cap) {
  std::vector<int64_t> buckets = config.buckets;
  if (buckets.empty()) return cap;
  std::sort(buckets.begin(), buckets.end());
  for (int64_t b : buckets) {
    if (b >= cap) return b;
  }
  return buckets.back();
}

std::string RenderPreamble(const BudgetConfig& config) {
  std::string text = config.preamble_template;
  const std::string bucket = std::to_string(BudgetBucket(config, config.cap));
  for (size_t at = text.find("{budget}"); at != std::string::npos;
       at = text.find("{budget}", at + bucket.size())) {
    text.replace(at, 8, bucket);
  }
  return text;
}

ThinkingSplit SplitThinking(std::string_view text, const BudgetConfig& config) {
  ThinkingSplit split;
  const size_t end = text.find(config.think_end_tag);
  std::string_view thinking = end == std::string_view::npos ? text : text.substr(0, end);
  const size_t lead = thinking.find_first_not_of(" \t\r\n");
  if (!config.think_start_tag.empty() && lead != std::string_view::npos &&
      thinking.substr(lead).starts_with(config.think_start_tag)) {
    thinking.remove_prefix(lead + config.think_start_tag.size());
  }
  split.thinking = Trim(thinking);
  if (end != std::string_view::npos) {
    split.closed = true;
    split.answer = Trim(text.substr(end + config.think_end_tag.size()));
  }
  return split;
}

std::string ReasoningAnswer(std::string_view text, const BudgetConfig& config) {
  const ThinkingSplit split = SplitThinking(text, config);
  if (split.closed && !split.answer.empty()) {
    if (auto a = ExtractAnswer(CloseOpenBraces(split.answer))) return *a;
    return "";
  }
  if (auto a = ExtractAnswer(split.thinking)) return *a;
  return "";
}

BudgetTracker::BudgetTracker(const BudgetConfig& config, const Tokenizer* tokenizer,
                             bool thinking)
    : config_(&config),
      tokenizer_(tokenizer),
      phase_(thinking ? Phase::kThinking : Phase::kAnswer) {
  if (phase_ == Phase::kAnswer && config.answer_tokens == 0) phase_ = Phase::kDone;
}

Status BudgetTracker::StartForcing() {
  if (tokenizer_ == nullptr) return InvalidArgument("budget forcing needs the model's tokenizer");
  // The longest start of the forced text the stream has already written.
  const std::string& f = config_->forced_text;
  size_t overlap = 0;
  for (size_t k = std::min(f.size() - 1, tail_.size()); k > 0; --k) {
    if (EndsWith(tail_, std::string_view(f).substr(0, k))) {
      overlap = k;
      break;
    }
  }
  ER_ASSIGN_OR_RETURN(forced_, tokenizer_->Encode(f.substr(overlap), /*parse_special=*/true));
  forced_next_ = 0;
  forced_cap_ = true;
  phase_ = forced_.empty() ? Phase::kAnswer : Phase::kForcing;
  return Status::Ok();
}

Status BudgetTracker::ForceAnswer() {
  if (phase_ != Phase::kThinking) return Internal("budget: forcing a stream that is not thinking");
  return StartForcing();
}

Status BudgetTracker::Push(int32_t token) {
  if (phase_ == Phase::kDone) return Internal("budget: token pushed to a finished stream");
  ++generated_;
  if (tokenizer_ != nullptr) {
    if (auto bytes = tokenizer_->TokenBytes(token)) tail_.append(*bytes);
    const size_t keep = config_->forced_text.size() + config_->think_end_tag.size();
    if (tail_.size() > 2 * keep) tail_.erase(0, tail_.size() - keep);
  }
  switch (phase_) {
    case Phase::kThinking:
      if (EndsWith(tail_, config_->think_end_tag)) {
        phase_ = Phase::kAnswer;
      } else if (generated_ >= config_->cap) {
        ER_RETURN_IF_ERROR(StartForcing());
      }
      break;
    case Phase::kForcing:
      if (++forced_next_ == forced_.size()) phase_ = Phase::kAnswer;
      break;
    case Phase::kAnswer:
      ++answer_generated_;
      break;
    case Phase::kDone:
      break;
  }
  if (phase_ == Phase::kAnswer && answer_generated_ >= config_->answer_tokens) {
    phase_ = Phase::kDone;
  }
  return Status::Ok();
}

}  // namespace edgereason
