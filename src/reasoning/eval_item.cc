#include "reasoning/eval_item.h"

#include <algorithm>
#include <map>

#include "reasoning/stream_confidence.h"
#include "verify/answer_checker.h"

namespace edgereason {
namespace {

nlohmann::json Graded(const std::string& gold, const std::string& answer) {
  const CheckResult r = CheckAnswer(gold, answer);
  return {{"answer", answer}, {"correct", r.match}, {"verdict", r.verdict}};
}

// The streams as they would be under `cap`: the capped copy where one was
// forked, else the main stream (which never reached `cap` while thinking).
std::vector<const StreamOutcome*> StreamsAtCap(const RouteOutcome& o, int64_t cap, int64_t budget) {
  std::vector<const StreamOutcome*> at(o.streams.size());
  for (size_t i = 0; i < o.streams.size(); ++i) at[i] = &o.streams[i];
  if (cap >= budget) return at;
  for (const StreamOutcome& c : o.capped) {
    if (c.stream.branch_cap == cap) at[c.stream.index] = &c;
  }
  return at;
}

nlohmann::json VotesOf(const std::vector<const StreamOutcome*>& streams,
                       const std::vector<nlohmann::json>& classes, bool has_verifier) {
  std::vector<Ballot> ballots;
  for (const StreamOutcome* s : streams) {
    ballots.push_back({s->stream.index, s->answer_class, s->stream.score.value_or(1.0)});
  }
  nlohmann::json votes = nlohmann::json::object();
  for (VoteRule rule : {VoteRule::kWeighted, VoteRule::kMajority, VoteRule::kBest}) {
    if (rule == VoteRule::kBest && !has_verifier) continue;
    const VoteOutcome v = Tally(ballots, rule);
    votes[VoteRuleName(rule)] = {
        {"answer", v.winner_class >= 0 ? classes[v.winner_class]["answer"] : ""},
        {"correct", v.winner_class >= 0 && classes[v.winner_class]["correct"].get<bool>()}};
  }
  return votes;
}

nlohmann::json ReasonRecord(const Reasoner& reasoner, const RouteOutcome& o,
                            const EvalItem& item, const std::vector<int64_t>& caps) {
  nlohmann::json r;
  std::vector<nlohmann::json> classes;
  for (const std::string& answer : o.class_answers) classes.push_back(Graded(item.gold, answer));
  r["classes"] = classes;
  const int64_t budget = reasoner.config().budget.cap;
  nlohmann::json streams = nlohmann::json::array();
  int64_t tokens = 0;
  for (const StreamOutcome& s : o.streams) {
    streams.push_back({{"class", s.answer_class},
                       {"score", s.stream.score ? nlohmann::json(*s.stream.score) : nullptr},
                       {"tokens", s.stream.tokens.size()},
                       {"forced", s.stream.forced},
                       {"stop", s.stream.stop_reason}});
    if (!s.stream.sampled_logprobs.empty()) {
      streams.back()["mean_logprob"] = ConfidenceFeatures(s.stream.sampled_logprobs)[0];
    }
    tokens += static_cast<int64_t>(s.stream.tokens.size());
  }
  r["streams"] = streams;
  r["tokens"] = tokens;
  r["seconds"] = o.seconds;
  r["first_token_seconds"] = o.first_token_seconds;
  const bool has_verifier = reasoner.has_verifier();
  nlohmann::json by_cap = nlohmann::json::object();
  for (int64_t cap : caps) {
    const auto at = StreamsAtCap(o, cap, budget);
    int correct = 0;
    int64_t cap_tokens = 0;
    for (const StreamOutcome* s : at) {
      correct += s->answer_class >= 0 && classes[s->answer_class]["correct"].get<bool>();
      cap_tokens += static_cast<int64_t>(s->stream.tokens.size());
    }
    const double n = static_cast<double>(at.size());
    by_cap[std::to_string(cap)] = {{"accuracy", correct / n},
                                   {"tokens", cap_tokens / n},
                                   {"votes", VotesOf(at, classes, has_verifier)}};
  }
  r["caps"] = by_cap;
  r["votes"] = by_cap[std::to_string(budget)]["votes"];
  const std::string rule = VoteRuleName(reasoner.config().vote);
  r["answer"] = r["votes"].value(rule, nlohmann::json::object()).value("answer", "");
  r["correct"] = r["votes"].value(rule, nlohmann::json::object()).value("correct", false);
  return r;
}

}  // namespace

std::vector<int64_t> GradedCaps(const EvalOptions& options, const BudgetConfig& budget) {
  std::vector<int64_t> caps;
  for (int64_t c : options.caps) {
    if (c >= 1 && c <= budget.cap) caps.push_back(c);
  }
  caps.push_back(budget.cap);
  std::sort(caps.begin(), caps.end());
  caps.erase(std::unique(caps.begin(), caps.end()), caps.end());
  return caps;
}

nlohmann::json RunEvalItem(Reasoner& reasoner, const EvalItem& item, const EvalOptions& options) {
  nlohmann::json record = {{"index", item.index}, {"id", item.id}, {"gold", item.gold}};
  if (!item.difficulty.empty()) record["difficulty"] = item.difficulty;
  auto fail = [&](const Status& s) {
    record["error"] = s.message();
    return record;
  };
  auto prompt = reasoner.EncodePrompt(item.problem);
  if (!prompt.ok()) return fail(prompt.status());
  record["prompt_tokens"] = prompt->tokens.size();
  record["prefill_seconds"] = prompt->prefill_seconds;
  record["switcher_probability"] =
      prompt->switcher_probability ? nlohmann::json(*prompt->switcher_probability) : nullptr;
  if (options.run_chat) {
    auto chat = reasoner.RunChat(*prompt);
    if (!chat.ok()) {
      reasoner.Release(*prompt);
      return fail(chat.status());
    }
    nlohmann::json c = Graded(item.gold, chat->answer);
    c["tokens"] = chat->generated_tokens;
    c["seconds"] = chat->seconds;
    // Recorded like the reasoning route's, so time to first token is read
    // from the record of whichever route was taken.
    c["first_token_seconds"] = chat->first_token_seconds;
    record["chat"] = c;
  }
  const std::vector<int64_t> caps = GradedCaps(options, reasoner.config().budget);
  if (options.run_reason) {
    // Early stop as configured: a run with it off keeps every stream whole
    // (vote curves, early-stop replay); with it on, tokens and wall time are
    // what a user gets. Capped copies always run to their caps.
    ReasonOptions ro;
    ro.early_stop = reasoner.config().early_stop;
    ro.branch_caps.assign(caps.begin(), caps.end() - 1);
    auto reason = reasoner.RunReason(*prompt, ro);
    if (!reason.ok()) {
      reasoner.Release(*prompt);
      return fail(reason.status());
    }
    record["reason"] = ReasonRecord(reasoner, *reason, item, caps);
  }
  reasoner.Release(*prompt);
  // The route the configured mode takes, and what it costs.
  auto reason_route = reasoner.ShouldReason(prompt->switcher_probability);
  if (!reason_route.ok()) return fail(reason_route.status());
  const char* route = *reason_route ? "reason" : "chat";
  if (!record.contains(route)) return fail(InvalidArgument(std::string("the ") + route +
                                                           " route was not run"));
  const nlohmann::json& taken = record[route];
  record["route"] = route;
  record["correct"] = taken["correct"];
  record["tokens"] = taken["tokens"];
  record["latency_seconds"] = prompt->prefill_seconds + taken["seconds"].get<double>();
  return record;
}

}  // namespace edgereason
