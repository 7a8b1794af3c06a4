#include "reasoning/eval_summary.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

namespace edgereason {
namespace {

double Mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
double StdDev(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = Mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

bool Ok(const nlohmann::json& r) { return !r.contains("error"); }

// Seconds from the question to the first generated token of the route taken.
// Both routes record it including the prompt prefill; chat records of runs
// from before chat recorded it lack it, and a chat answer's first token is
// sampled from the prefill's own logits, so the prefill time is its TTFT.
double FirstTokenSeconds(const nlohmann::json& r) {
  const std::string route = r["route"].get<std::string>();
  if (r.contains(route) && r[route].contains("first_token_seconds")) {
    return r[route]["first_token_seconds"].get<double>();
  }
  return r.value("prefill_seconds", 0.0);
}

// One item's reasoning pool: ballots and the correctness of each class.
struct Pool {
  std::vector<Ballot> ballots;
  std::vector<int64_t> tokens;
  std::vector<bool> class_correct;
};

Pool PoolOf(const nlohmann::json& reason) {
  Pool p;
  for (const auto& c : reason["classes"]) p.class_correct.push_back(c["correct"].get<bool>());
  int i = 0;
  for (const auto& s : reason["streams"]) {
    const double score = s["score"].is_number() ? s["score"].get<double>() : 1.0;
    p.ballots.push_back({i++, s["class"].get<int>(), score});
    p.tokens.push_back(s["tokens"].get<int64_t>());
  }
  return p;
}

bool VoteCorrect(const std::vector<Ballot>& ballots, const Pool& pool, VoteRule rule) {
  const int winner = Tally(ballots, rule).winner_class;
  return winner >= 0 && pool.class_correct[winner];
}

nlohmann::ordered_json VoteCurves(const std::vector<Pool>& pools, size_t total_items,
                                  const SummaryOptions& options, bool has_scores) {
  nlohmann::ordered_json curves = nlohmann::ordered_json::object();
  size_t max_n = 0;
  for (const Pool& p : pools) max_n = std::max(max_n, p.ballots.size());
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= max_n; n = n < 2 ? 2 : n + 2) sizes.push_back(n);
  if (!sizes.empty() && sizes.back() != max_n) sizes.push_back(max_n);
  for (VoteRule rule : {VoteRule::kWeighted, VoteRule::kMajority, VoteRule::kBest}) {
    if (rule == VoteRule::kBest && !has_scores) continue;
    nlohmann::ordered_json curve = nlohmann::ordered_json::array();
    for (size_t n : sizes) {
      std::mt19937_64 rng(options.seed * 1000003 + n * 31 + static_cast<int>(rule));
      std::vector<double> accuracies;
      for (int d = 0; d < options.draws; ++d) {
        int correct = 0;
        for (const Pool& p : pools) {
          std::vector<Ballot> b = p.ballots;
          std::shuffle(b.begin(), b.end(), rng);
          b.resize(std::min(n, b.size()));
          correct += VoteCorrect(b, p, rule);
        }
        accuracies.push_back(total_items ? static_cast<double>(correct) / total_items : 0.0);
      }
      curve.push_back({{"n", n}, {"mean", Mean(accuracies)}, {"std", StdDev(accuracies)}});
    }
    curves[VoteRuleName(rule)] = curve;
  }
  return curves;
}

nlohmann::ordered_json ThresholdSweep(const std::vector<nlohmann::json>& records,
                                      const SummaryOptions& options) {
  nlohmann::ordered_json sweep = nlohmann::ordered_json::array();
  const size_t n = records.size();
  for (int k = 0; k < options.sweep_points; ++k) {
    const double t = options.sweep_points > 1 ? static_cast<double>(k) / (options.sweep_points - 1) : 0.5;
    int correct = 0, routed = 0;
    std::vector<double> tokens;
    for (const auto& r : records) {
      if (!Ok(r) || !r.contains("switcher_probability") || !r["switcher_probability"].is_number() ||
          !r.contains("chat") || !r.contains("reason")) {
        continue;
      }
      const bool reason = r["switcher_probability"].get<double>() >= t;
      const auto& taken = r[reason ? "reason" : "chat"];
      routed += reason;
      correct += taken["correct"].get<bool>();
      tokens.push_back(taken["tokens"].get<double>());
    }
    if (tokens.empty()) return nlohmann::ordered_json::array();
    sweep.push_back({{"threshold", t},
                     {"accuracy", static_cast<double>(correct) / n},
                     {"fraction_reasoning", static_cast<double>(routed) / tokens.size()},
                     {"mean_tokens", Mean(tokens)}});
  }
  return sweep;
}

}  // namespace

EarlyStopReplay ReplayEarlyStop(const std::vector<Ballot>& ballots,
                                const std::vector<int64_t>& tokens, VoteRule rule, int margin,
                                int wave) {
  EarlyStopReplay replay;
  const size_t n = ballots.size();
  const size_t wave_size = wave > 0 ? static_cast<size_t>(wave) : std::max<size_t>(n, 1);
  for (int64_t t : tokens) replay.tokens_total += t;
  replay.full_class = replay.early_class = Tally(ballots, rule).winner_class;
  std::vector<Ballot> cast;
  for (size_t begin = 0; begin < n; begin += wave_size) {
    const size_t end = std::min(n, begin + wave_size);
    std::vector<size_t> order(end - begin);
    std::iota(order.begin(), order.end(), begin);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tokens[a] < tokens[b]; });
    size_t i = 0;
    while (i < order.size()) {
      const int64_t step = tokens[order[i]];
      while (i < order.size() && tokens[order[i]] == step) cast.push_back(ballots[order[i++]]);
      const int remaining = static_cast<int>(n - cast.size());
      if (remaining > 0 && VoteHasConsensus(cast, remaining, rule, margin)) {
        for (size_t j = i; j < order.size(); ++j) replay.tokens_saved += tokens[order[j]] - step;
        for (size_t j = end; j < n; ++j) replay.tokens_saved += tokens[j];
        replay.early_class = Tally(cast, rule).winner_class;
        replay.same_answer = replay.early_class == replay.full_class;
        return replay;
      }
    }
  }
  return replay;
}

namespace {

constexpr int kMarginSweepMax = 4;  // early-stop margins replayed for the trade-off table
constexpr std::array kWaveSweep = {0, 2, 3, 4};  // stream waves replayed with them

// The early stop replayed over every item's streams with one margin and
// wave: tokens saved, answers changed, and the accuracy change of the vote
// over n items.
nlohmann::ordered_json EarlyStopFigures(const std::vector<Pool>& pools, size_t n, VoteRule rule,
                                        int margin, int wave) {
  int64_t total = 0, saved = 0;
  int changed = 0, correct_change = 0;
  for (const Pool& p : pools) {
    const EarlyStopReplay e = ReplayEarlyStop(p.ballots, p.tokens, rule, margin, wave);
    total += e.tokens_total;
    saved += e.tokens_saved;
    changed += !e.same_answer;
    const auto right = [&](int c) { return c >= 0 && p.class_correct[c]; };
    correct_change += right(e.early_class) - right(e.full_class);
  }
  return {{"rule", VoteRuleName(rule)},
          {"margin", margin},
          {"wave", wave},
          {"tokens_total", total},
          {"tokens_saved", saved},
          {"fraction_saved", total ? static_cast<double>(saved) / total : 0.0},
          {"answers_changed", changed},
          {"accuracy_change", n ? static_cast<double>(correct_change) / n : 0.0}};
}

// Every figure but the per-difficulty breakdown.
nlohmann::ordered_json SummarizeAll(const std::vector<nlohmann::json>& records,
                                    const SummaryOptions& options) {
  nlohmann::ordered_json s;
  const size_t n = records.size();
  int errors = 0, correct = 0, reasoning = 0;
  std::vector<double> tokens, latency, first_token, chat_tokens, reason_tokens, stream_tokens;
  int chat_correct = 0, reason_correct = 0, chat_items = 0, reason_items = 0;
  std::vector<Pool> pools;
  bool has_scores = false;
  std::map<int64_t, std::vector<double>> cap_acc, cap_vote, cap_tokens;
  for (const auto& r : records) {
    if (!Ok(r)) {
      ++errors;
      continue;
    }
    correct += r["correct"].get<bool>();
    reasoning += r["route"] == "reason";
    tokens.push_back(r["tokens"].get<double>());
    latency.push_back(r["latency_seconds"].get<double>());
    first_token.push_back(FirstTokenSeconds(r));
    if (r.contains("chat")) {
      ++chat_items;
      chat_correct += r["chat"]["correct"].get<bool>();
      chat_tokens.push_back(r["chat"]["tokens"].get<double>());
    }
    if (r.contains("reason")) {
      const auto& reason = r["reason"];
      ++reason_items;
      reason_correct += reason["correct"].get<bool>();
      reason_tokens.push_back(reason["tokens"].get<double>());
      pools.push_back(PoolOf(reason));
      for (const auto& st : reason["streams"]) {
        stream_tokens.push_back(st["tokens"].get<double>());
        has_scores |= st["score"].is_number();
      }
      for (const auto& [cap, v] : reason["caps"].items()) {
        const int64_t c = std::stoll(cap);
        cap_acc[c].push_back(v["accuracy"].get<double>());
        const auto& votes = v["votes"];
        const char* rule = VoteRuleName(options.rule);
        cap_vote[c].push_back(votes.contains(rule) && votes[rule]["correct"].get<bool>());
        cap_tokens[c].push_back(v["tokens"].get<double>());
      }
    }
  }
  s["items"] = n;
  s["errors"] = errors;
  s["accuracy"] = n ? static_cast<double>(correct) / n : 0.0;
  s["route_fraction"] = {{"reason", n ? static_cast<double>(reasoning) / n : 0.0},
                         {"chat", n ? static_cast<double>(n - errors - reasoning) / n : 0.0}};
  s["tokens"] = {{"mean", Mean(tokens)}, {"median", Median(tokens)}};
  s["latency_seconds"] = {{"mean", Mean(latency)}, {"median", Median(latency)}};
  s["time_to_first_token_seconds"] = {{"mean", Mean(first_token)}, {"median", Median(first_token)}};
  s["chat"] = {{"items", chat_items},
               {"accuracy", n ? static_cast<double>(chat_correct) / n : 0.0},
               {"mean_tokens", Mean(chat_tokens)}};
  s["reason"] = {{"items", reason_items},
                 {"accuracy", n ? static_cast<double>(reason_correct) / n : 0.0},
                 {"mean_tokens", Mean(reason_tokens)},
                 {"mean_tokens_per_stream", Mean(stream_tokens)},
                 {"median_tokens_per_stream", Median(stream_tokens)}};
  nlohmann::ordered_json caps = nlohmann::ordered_json::array();
  for (const auto& [cap, acc] : cap_acc) {
    caps.push_back({{"cap", cap},
                    {"accuracy", Mean(acc) * acc.size() / std::max<size_t>(n, 1)},
                    {"vote_accuracy", Mean(cap_vote[cap]) * acc.size() / std::max<size_t>(n, 1)},
                    {"mean_tokens_per_stream", Mean(cap_tokens[cap])}});
  }
  s["caps"] = caps;
  s["vote_curves"] = VoteCurves(pools, n, options, has_scores);
  s["threshold_sweep"] = ThresholdSweep(records, options);
  nlohmann::ordered_json sweep = nlohmann::ordered_json::array();
  for (int wave : kWaveSweep) {
    for (int margin = 0; margin <= kMarginSweepMax; ++margin) {
      sweep.push_back(EarlyStopFigures(pools, n, options.rule, margin, wave));
    }
  }
  s["early_stop"] = EarlyStopFigures(pools, n, options.rule, options.early_stop_margin, options.wave);
  s["early_stop_sweep"] = sweep;
  return s;
}

bool ParseNumber(const std::string& text, double* value) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(*value);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Text order with each run of digits compared as one number: the token
// sequences are compared lexicographically, the raw text breaks ties ("03"
// against "3"), so this is a strict weak order std::sort may rely on.
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      size_t ie = i, je = j;
      while (ie < a.size() && IsDigit(a[ie])) ++ie;
      while (je < b.size() && IsDigit(b[je])) ++je;
      size_t ia = i, jb = j;  // skip leading zeros: compare values, not spellings
      while (ia + 1 < ie && a[ia] == '0') ++ia;
      while (jb + 1 < je && b[jb] == '0') ++jb;
      const std::string_view x(a.data() + ia, ie - ia), y(b.data() + jb, je - jb);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie, j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i, ++j;
    }
  }
  if (i == a.size() && j == b.size()) return a < b;
  return i == a.size();
}

}  // namespace

std::string DifficultyOf(const nlohmann::json& record) {
  if (!record.contains("difficulty")) return "";
  const nlohmann::json& d = record["difficulty"];
  if (d.is_string()) return d.get<std::string>();
  return d.is_number() ? d.dump() : "";
}

bool DifficultyLess(const std::string& a, const std::string& b) {
  // Numbers first, by value; then everything else in natural order.
  double x = 0, y = 0;
  const bool a_number = ParseNumber(a, &x), b_number = ParseNumber(b, &y);
  if (a_number != b_number) return a_number;
  if (a_number && x != y) return x < y;
  if (a_number) return a < b;
  return NaturalLess(a, b);
}

nlohmann::ordered_json Summarize(const std::vector<nlohmann::json>& records,
                                 const SummaryOptions& options) {
  nlohmann::ordered_json s = SummarizeAll(records, options);
  std::map<std::string, std::vector<nlohmann::json>> groups;
  for (const auto& r : records) {
    const std::string d = DifficultyOf(r);
    if (!d.empty()) groups[d].push_back(r);
  }
  std::vector<std::string> order;
  for (const auto& [d, group] : groups) order.push_back(d);
  std::sort(order.begin(), order.end(), DifficultyLess);
  nlohmann::ordered_json by_difficulty = nlohmann::ordered_json::object();
  for (const std::string& d : order) by_difficulty[d] = SummarizeAll(groups[d], options);
  s["by_difficulty"] = by_difficulty;
  return s;
}

std::string SummaryMarkdown(const nlohmann::ordered_json& s) {
  std::ostringstream md;
  md.setf(std::ios::fixed);
  md.precision(3);
  md << "# Evaluation summary\n\n| figure | value |\n|---|---|\n"
     << "| items | " << s["items"].get<int64_t>() << " |\n"
     << "| errors | " << s["errors"].get<int64_t>() << " |\n"
     << "| accuracy | " << s["accuracy"].get<double>() << " |\n"
     << "| routed to reasoning | " << s["route_fraction"]["reason"].get<double>() << " |\n"
     << "| mean / median tokens | " << s["tokens"]["mean"].get<double>() << " / "
     << s["tokens"]["median"].get<double>() << " |\n"
     << "| mean / median latency (s) | " << s["latency_seconds"]["mean"].get<double>() << " / "
     << s["latency_seconds"]["median"].get<double>() << " |\n"
     << "| mean / median time to first token (s) | "
     << s["time_to_first_token_seconds"]["mean"].get<double>() << " / "
     << s["time_to_first_token_seconds"]["median"].get<double>() << " |\n"
     << "| chat-only accuracy | " << s["chat"]["accuracy"].get<double>() << " |\n"
     << "| reasoning-only accuracy | " << s["reason"]["accuracy"].get<double>() << " |\n"
     << "| early stop: tokens saved | " << s["early_stop"]["tokens_saved"].get<int64_t>() << " of "
     << s["early_stop"]["tokens_total"].get<int64_t>() << " (answers changed: "
     << s["early_stop"]["answers_changed"].get<int64_t>() << ", accuracy change: "
     << s["early_stop"]["accuracy_change"].get<double>() << ") |\n";
  if (s.contains("by_difficulty") && !s["by_difficulty"].empty()) {
    md << "\n## By difficulty\n\n| difficulty | items | accuracy | mean / median tokens | "
          "chat-only accuracy | reasoning-only accuracy |\n|---|---|---|---|---|---|\n";
    for (const auto& [d, g] : s["by_difficulty"].items()) {
      md << "| " << d << " | " << g["items"].get<int64_t>() << " | " << g["accuracy"].get<double>()
         << " | " << g["tokens"]["mean"].get<double>() << " / " << g["tokens"]["median"].get<double>()
         << " | " << g["chat"]["accuracy"].get<double>() << " | "
         << g["reason"]["accuracy"].get<double>() << " |\n";
    }
  }
  md << "\n## Accuracy under hard caps\n\n| cap | accuracy (per stream) | vote accuracy | mean tokens per stream |\n|---|---|---|---|\n";
  for (const auto& c : s["caps"]) {
    md << "| " << c["cap"].get<int64_t>() << " | " << c["accuracy"].get<double>() << " | "
       << c["vote_accuracy"].get<double>() << " | " << c["mean_tokens_per_stream"].get<double>() << " |\n";
  }
  md << "\n## Accuracy vs N (mean ± std over random draws)\n\n| rule | N | accuracy |\n|---|---|---|\n";
  for (const auto& [rule, curve] : s["vote_curves"].items()) {
    for (const auto& p : curve) {
      md << "| " << rule << " | " << p["n"].get<int64_t>() << " | " << p["mean"].get<double>()
         << " ± " << p["std"].get<double>() << " |\n";
    }
  }
  if (!s["threshold_sweep"].empty()) {
    md << "\n## Switcher threshold sweep\n\n| threshold | accuracy | fraction reasoning | mean tokens |\n|---|---|---|---|\n";
    for (const auto& p : s["threshold_sweep"]) {
      md << "| " << p["threshold"].get<double>() << " | " << p["accuracy"].get<double>() << " | "
         << p["fraction_reasoning"].get<double>() << " | " << p["mean_tokens"].get<double>() << " |\n";
    }
  }
  return md.str();
}

}  // namespace edgereason
