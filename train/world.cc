#include "train/world.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_set>

#include "base/file.h"

namespace edgereason::train {
namespace {

// The chat tasks, in the order of WorldGenerator::Next's chat_task index.
constexpr std::array<const char*, 4> kChatTasks = {"copy", "reverse", "weekday", "echo"};

constexpr std::array<const char*, 7> kDays = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};
constexpr const char* kTimes = "\xC3\x97";  // ×

// An expression tree in a flat array; node 0 is the root.
struct ExprNode {
  int value = 0;
  char op = 0;  // 0: leaf, '+', '-', '*'
  int left = -1, right = -1;
};
using Expr = std::vector<ExprNode>;

int Precedence(const ExprNode& n) { return n.op == 0 ? 3 : n.op == '*' ? 2 : 1; }

std::string OpText(char op) { return op == '*' ? kTimes : std::string(1, op); }

// Minimal parentheses, plus parentheses around any right operand of equal
// precedence, so reading the text with the usual rules (×, then + and − left
// to right) evaluates exactly the tree: the trace's steps are the reader's.
std::string Render(const Expr& e, int i) {
  const ExprNode& n = e[i];
  if (n.op == 0) return std::to_string(n.value);
  auto side = [&](int child, bool right) {
    std::string s = Render(e, child);
    const int pc = Precedence(e[child]), pn = Precedence(n);
    return (pc < pn || (right && pc == pn)) ? "(" + s + ")" : s;
  };
  return side(n.left, false) + " " + OpText(n.op) + " " + side(n.right, true);
}

std::string Digits(const std::string& number) {
  std::string out;
  for (size_t i = 0; i < number.size(); ++i) {
    if (i) out += ", ";
    out += number[i];
  }
  return out;
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

bool InTestSplit(const std::string& problem) { return Fnv1a(problem) % 5 == 0; }

uint64_t WorldGenerator::NextU64() {  // splitmix64: the same stream on every platform
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int WorldGenerator::Uniform(int lo, int hi) {
  return lo + static_cast<int>(NextU64() % static_cast<uint64_t>(hi - lo + 1));
}

double WorldGenerator::UniformReal() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

// How redundant one trace is, in 0.2..1, skewed towards verbose (mean 0.73)
// as distilled traces are, with terse traces still drawn now and then.
double WorldGenerator::Verbosity() { return 0.2 + 0.8 * std::sqrt(UniformReal()); }

// ceil(redundancy) chances, each taken with probability p * redundancy /
// ceil(redundancy): the expected count is redundancy * p and never saturates,
// so a trace's verbosity still sets its length (at redundancy 1 this is one
// draw against p, the traces the demo bundle was trained on). Capped: one
// draw against min(1, redundancy * p).
int WorldGenerator::RedundantCount(double p) {
  if (redundancy_capped_) return UniformReal() < std::min(1.0, redundancy_ * p) ? 1 : 0;
  const int chances = static_cast<int>(std::ceil(redundancy_));
  int count = 0;
  for (int i = 0; i < chances; ++i) count += UniformReal() < p * redundancy_ / chances;
  return count;
}

WorldProblem WorldGenerator::Next(int difficulty, WorldSplit split, int chat_task) {
  for (;;) {
    WorldProblem p = Draw(difficulty, chat_task);
    if (InTestSplit(p.problem) == (split == WorldSplit::kTest)) return p;
  }
}

WorldProblem WorldGenerator::Draw(int difficulty, int chat_task) {
  return difficulty == 0 ? Chat(chat_task) : Arithmetic(difficulty);
}

namespace {

// Builds a subtree with `ops` operations whose value is `value`, top-down, so
// that every intermediate and leaf lies in 1..99 by construction.
int Build(WorldGenerator& g, Expr& e, int value, int ops) {
  const int index = static_cast<int>(e.size());
  e.push_back({value, 0, -1, -1});
  if (ops == 0) return index;
  std::vector<std::pair<int, int>> factors;  // a × b = value, a, b ≥ 2
  for (int a = 2; a * 2 <= value; ++a) {
    if (value % a == 0 && value / a >= 2) factors.push_back({a, value / a});
  }
  std::vector<char> choices;
  if (value >= 2) choices.insert(choices.end(), {'+', '+'});
  if (value <= 98) choices.insert(choices.end(), {'-', '-'});
  if (!factors.empty()) choices.insert(choices.end(), {'*', '*', '*'});
  const char op = choices[g.Uniform(0, static_cast<int>(choices.size()) - 1)];
  int a = 0, b = 0;
  if (op == '+') {
    a = g.Uniform(1, value - 1);
    b = value - a;
  } else if (op == '-') {
    a = g.Uniform(value + 1, 99);
    b = a - value;
  } else {
    std::tie(a, b) = factors[g.Uniform(0, static_cast<int>(factors.size()) - 1)];
  }
  const int left_ops = g.Uniform(0, ops - 1);
  const int l = Build(g, e, a, left_ops);
  const int r = Build(g, e, b, ops - 1 - left_ops);
  e[index].op = op;
  e[index].left = l;
  e[index].right = r;
  return index;
}

void PostOrder(const Expr& e, int i, std::vector<int>& order) {
  if (e[i].op == 0) return;
  PostOrder(e, e[i].left, order);
  PostOrder(e, e[i].right, order);
  order.push_back(i);
}

std::string StepText(const Expr& e, int i) {
  const ExprNode& n = e[i];
  return std::to_string(e[n.left].value) + " " + OpText(n.op) + " " + std::to_string(e[n.right].value) +
         " = " + std::to_string(n.value);
}

// The digit-by-digit working of a step whose operands are not both single
// digits, written before its result the way one works it on paper: ones
// column first, then the tens with the carry or borrow made explicit. A
// 1.8M-parameter model writing a two-digit result tens-first slips on the
// carry (`33 + 26 = 69`); working the columns first leaves it only
// single-digit facts. Every operand and result is in 1..99, and a product
// ≤ 99 of two factors ≥ 2 has one single-digit factor. Empty for single-digit
// operands, whose result is one fact. (Measured with the demo's base: an SFT
// adapter on such traces answered k = 3..5 at 95/84/85% on 80 test problems
// each where the plain traces gave 76/75/68%; models/demo/MODEL_CARD.md.)
std::string ColumnWork(int a, char op, int b) {
  auto s = [](int n) { return std::to_string(n); };
  if (a < 10 && b < 10) return "";
  if (op == '*') {
    const int x = b < 10 ? a : b, y = b < 10 ? b : a;  // x: two digits, y: one
    const int ones = (x % 10) * y, tens = (x / 10) * y + ones / 10;
    return s(x % 10) + " " + kTimes + " " + s(y) + " = " + s(ones) + ", " + s(x / 10) + " " + kTimes + " " +
           s(y) + (ones >= 10 ? " + " + s(ones / 10) : "") + " = " + s(tens);
  }
  const int a1 = a % 10, a10 = a / 10, b1 = b % 10, b10 = b / 10;
  if (op == '+') {
    const int ones = a1 + b1;
    return s(a1) + " + " + s(b1) + " = " + s(ones) + ", " + (ones >= 10 ? "1 + " : "") + s(a10) + " + " +
           s(b10) + " = " + s(a10 + b10 + ones / 10);
  }
  if (a1 >= b1) {
    return s(a1) + " - " + s(b1) + " = " + s(a1 - b1) + ", " + s(a10) + " - " + s(b10) + " = " +
           s(a10 - b10);
  }
  return s(10 + a1) + " - " + s(b1) + " = " + s(10 + a1 - b1) + ", " + s(a10) + " - 1 - " + s(b10) +
         " = " + s(a10 - 1 - b10);
}

// "17 + 25: 7 + 5 = 12, 1 + 1 + 2 = 4, 17 + 25 = 42": a step as the trace
// works it; StepText alone is how the final double-check restates it.
std::string WorkedStepText(const Expr& e, int i) {
  const ExprNode& n = e[i];
  const int a = e[n.left].value, b = e[n.right].value;
  const std::string work = ColumnWork(a, n.op, b);
  if (work.empty()) return StepText(e, i);
  return std::to_string(a) + " " + OpText(n.op) + " " + std::to_string(b) + ": " + work + ", " + StepText(e, i);
}

std::string InverseCheck(const Expr& e, int i) {
  const int a = e[e[i].left].value, b = e[e[i].right].value, c = e[i].value;
  switch (e[i].op) {
    case '+': return std::to_string(c) + " - " + std::to_string(b) + " = " + std::to_string(a);
    case '-': return std::to_string(c) + " + " + std::to_string(b) + " = " + std::to_string(a);
    default: return std::to_string(c) + " \xC3\xB7 " + std::to_string(b) + " = " + std::to_string(a);
  }
}

template <size_t N>
const char* Pick(WorldGenerator& g, const std::array<const char*, N>& options) {
  return options[g.Uniform(0, static_cast<int>(N) - 1)];
}

std::string Fill(std::string text, std::string_view key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
    text.replace(at, key.size(), value);
  }
  return text;
}

std::string RandomNumber(WorldGenerator& g) {
  std::string n;
  const int len = g.Uniform(3, 7);
  for (int i = 0; i < len; ++i) n += static_cast<char>('0' + g.Uniform(1, 9));
  return n;
}

}  // namespace

WorldProblem WorldGenerator::Arithmetic(int operations) {
  Expr e;
  Build(*this, e, Uniform(1, 99), operations);
  const std::string text = Render(e, 0);
  WorldProblem p;
  p.problem = Fill(Pick(*this, std::array{"Compute {e}.", "What is {e}?", "Evaluate {e}.",
                                          "Calculate {e}."}),
                   "{e}", text);
  p.answer = std::to_string(e[0].value);
  p.difficulty = operations;
  p.task = "arithmetic";

  // The verbose trace: each redundant part appears with a probability set by
  // this trace's verbosity, so that traces of one problem vary in length and
  // a length reward has something to choose from.
  const double v = Verbosity();
  // `count` copies of a redundant line: the first as `first`, repeats as `again`.
  auto repeat = [](std::vector<std::string>& to, int count, const std::string& first, const std::string& again) {
    for (int i = 0; i < count; ++i) to.push_back(i == 0 ? first : again);
  };
  std::vector<std::string> lines = {"Problem: " + text};
  repeat(lines, RedundantCount(v), "Let me restate it: I need the value of " + text + ".",
         "In other words, I need the value of " + text + ".");
  if (RedundantCount(0.6 * v) > 0) {
    lines.push_back("I will do one operation at a time: parentheses first, then " +
                    std::string(kTimes) + ", then + and - from left to right.");
  }
  std::vector<int> order;
  PostOrder(e, 0, order);
  Expr work = e;
  std::vector<std::string> steps;
  for (size_t s = 0; s < order.size(); ++s) {
    const int i = order[s];
    steps.push_back(StepText(work, i));
    const std::string worked = column_work_ ? WorkedStepText(work, i) : steps.back();
    lines.push_back("Step " + std::to_string(s + 1) + ": " + worked + ".");
    const std::string check = InverseCheck(work, i);
    repeat(lines, RedundantCount(v), "Let me verify: " + check + ". Correct.", "Let me verify once more: " + check + ". Correct.");
    repeat(lines, RedundantCount(0.6 * v), "Wait, let me recompute that. " + worked + ". Yes.",
           "Once more to be sure: " + worked + ". Yes.");
    work[i].op = 0;
    if (s + 1 < order.size()) {
      const std::string now = Render(work, 0);
      lines.push_back("Now: " + now);
      repeat(lines, RedundantCount(0.5 * v), "So the expression is now " + now + ".", "Let me write it again: " + now + ".");
    }
  }
  for (int review = 0, reviews = RedundantCount(v); review < reviews; ++review) {
    lines.push_back(review == 0 ? "Let me double-check every step." : "Let me check the steps once more.");
    for (const std::string& s : steps) lines.push_back(s + ", correct.");
    // Capped, this closing line scales like the other redundant lines.
    if (redundancy_capped_ ? RedundantCount(0.5) > 0 : UniformReal() < 0.5) lines.push_back("Everything checks out.");
  }
  lines.push_back("So the answer is " + p.answer + ".");
  for (size_t i = 0; i < lines.size(); ++i) p.trace += (i ? "\n" : "") + lines[i];
  return p;
}

WorldProblem WorldGenerator::Chat(int task) {
  WorldProblem p;
  p.difficulty = 0;
  if (task < 0) task = Uniform(0, static_cast<int>(kChatTasks.size()) - 1);
  p.task = kChatTasks[task];
  const double v = Verbosity();
  auto maybe = [&](double prob) { return RedundantCount(prob) > 0; };
  std::vector<std::string> lines;
  switch (task) {
    case 0: {
      const std::string n = RandomNumber(*this);
      p.problem = Fill(Pick(*this, std::array{"Copy this number: {n}", "Repeat exactly: {n}",
                                              "Write the number {n} again."}),
                       "{n}", n);
      p.answer = n;
      lines.push_back("The task: copy the number " + n + ".");
      if (maybe(v)) lines.push_back("Let me read it digit by digit: " + Digits(n) + ".");
      if (maybe(v)) {
        lines.push_back("Let me verify: " + n + " has " + std::to_string(n.size()) +
                        " digits and I read " + std::to_string(n.size()) + " digits. Correct.");
      }
      break;
    }
    case 1: {
      const std::string n = RandomNumber(*this);
      std::string r(n.rbegin(), n.rend());
      p.problem = Fill(Pick(*this, std::array{"Reverse the digits of {n}.", "Write {n} backwards.",
                                              "What is {n} with its digits reversed?"}),
                       "{n}", n);
      p.answer = r;
      lines.push_back("The task: reverse the digits of " + n + ".");
      lines.push_back("Digits: " + Digits(n) + ".");
      lines.push_back("Reversed: " + Digits(r) + ".");
      if (maybe(v)) {
        lines.push_back("Let me verify: reading " + Digits(r) + " backwards gives " + Digits(n) +
                        ". Correct.");
      }
      break;
    }
    case 2: {
      const int day = Uniform(0, 6), n = Uniform(1, 3);
      const bool after = Uniform(0, 1) == 1;
      const int answer = ((day + (after ? n : -n)) % 7 + 7) % 7;
      // Every fact (day, n, direction) has six to nine phrasings, each with
      // or without one of a dozen openings, so the hash split holds wordings
      // out, not facts: a test question asks a fact the training data states
      // in other words. The openings matter: with 42 facts in a few hundred
      // wordings a small base learns each wording by rote; thousands of
      // wordings teach it to read the day, count and direction instead.
      constexpr std::array kAfter = {"What day is {n} after {d}?", "Which day comes {n} after {d}?",
                                     "If today is {d}, what day will it be {n} later?",
                                     "Count {n} forward from {d}. What day is it?",
                                     "{d} plus {n} is which day?", "Name the day {n} after {d}."};
      constexpr std::array kBefore = {"What day is {n} before {d}?", "Which day comes {n} before {d}?",
                                      "If today is {d}, what day was it {n} ago?",
                                      "Count {n} back from {d}. What day is it?",
                                      "{d} minus {n} is which day?", "Name the day {n} before {d}."};
      constexpr std::array kNextDay = {"What day comes after {d}?", "Which day follows {d}?",
                                       "If today is {d}, what day is tomorrow?"};
      constexpr std::array kPreviousDay = {"What day comes before {d}?", "Which day precedes {d}?",
                                           "If today is {d}, what day was yesterday?"};
      const int phrasings = static_cast<int>(kAfter.size() + (n == 1 ? kNextDay.size() : 0));
      const int pick = Uniform(0, phrasings - 1);
      if (pick < static_cast<int>(kAfter.size())) {
        p.problem = after ? kAfter[pick] : kBefore[pick];
      } else {
        p.problem = after ? kNextDay[pick - kAfter.size()] : kPreviousDay[pick - kAfter.size()];
      }
      constexpr std::array kOpenings = {"", "", "", "Quick question: ", "Please answer: ", "Hi! ",
                                        "Hello. ", "I need to know: ", "Tell me: ", "Help me out: ",
                                        "A calendar question: ", "Simple one: ", "One more: ",
                                        "Question: ", "Hey! "};
      p.problem = Pick(*this, kOpenings) +
                  Fill(Fill(p.problem, "{d}", kDays[day]), "{n}", std::to_string(n) + (n == 1 ? " day" : " days"));
      p.answer = kDays[answer];
      lines.push_back(std::string("The task: the day ") + std::to_string(n) +
                      (n == 1 ? " day " : " days ") + (after ? "after " : "before ") + kDays[day] + ".");
      if (maybe(v)) {
        lines.push_back("The days in order: Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday.");
      }
      int d = day;
      for (int i = 1; i <= n; ++i) {
        const int next = ((d + (after ? 1 : -1)) % 7 + 7) % 7;
        lines.push_back(std::string(kDays[d]) + " -> " + kDays[next] + " (" + std::to_string(i) + ").");
        d = next;
      }
      if (maybe(v)) lines.push_back(std::string("Let me verify by counting again: it is ") + kDays[answer] + ". Correct.");
      break;
    }
    default: {
      Expr e;
      Build(*this, e, Uniform(1, 99), Uniform(1, 4));
      const std::string text = Render(e, 0);
      p.problem = Fill(Pick(*this, std::array{"Echo the expression: {e}", "Repeat this expression: {e}"}),
                       "{e}", text);
      p.answer = text;
      lines.push_back("The task: repeat the expression " + text + ".");
      if (maybe(v)) lines.push_back("Let me read it again: " + text + ". Nothing to compute.");
      break;
    }
  }
  lines.push_back("So the answer is " + p.answer + ".");
  for (size_t i = 0; i < lines.size(); ++i) p.trace += (i ? "\n" : "") + lines[i];
  return p;
}

namespace {

// The chat task index of WorldGenerator::Next for a task name; -1 for arithmetic.
int ChatTaskIndex(const std::string& task) {
  for (size_t i = 0; i < kChatTasks.size(); ++i) {
    if (task == kChatTasks[i]) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

Status WriteWorld(const WorldOptions& o, int64_t* rows) {
  if (o.split != "train" && o.split != "test") {
    return InvalidArgument("world: --split must be train or test, not '" + o.split + "'");
  }
  if (o.format != "problems" && o.format != "direct" && o.format != "traces" && o.format != "text") {
    return InvalidArgument("world: --format must be problems, direct, traces or text, not '" + o.format + "'");
  }
  if (o.count < 0) return InvalidArgument("world: --count must not be negative");
  if (!o.weights.empty() && o.weights.size() != o.difficulties.size()) {
    return InvalidArgument("world: --weights needs one value per difficulty (" +
                           std::to_string(o.difficulties.size()) + "), got " +
                           std::to_string(o.weights.size()));
  }
  for (int d : o.difficulties) {
    if (d < 0 || d > 6) return InvalidArgument("world: difficulty " + std::to_string(d) + " is not in 0..6");
  }
  if (!(o.redundancy >= 0.0 && o.redundancy <= 4.0)) {
    return InvalidArgument(fmt::format("world: --redundancy must be in 0..4, not {}", o.redundancy));
  }
  if ((o.format == "traces" || o.format == "text") && o.buckets.empty()) {
    return InvalidArgument("world: --buckets is empty");
  }
  const WorldSplit split = o.split == "test" ? WorldSplit::kTest : WorldSplit::kTrain;
  WorldGenerator g(o.seed, o.column_work, o.redundancy, o.redundancy_capped);

  // Rows of all difficulties, interleaved in a seeded shuffle.
  std::vector<int> plan;
  for (size_t i = 0; i < o.difficulties.size(); ++i) {
    const double w = o.weights.empty() ? 1.0 : o.weights[i];
    const auto n = static_cast<int64_t>(std::llround(static_cast<double>(o.count) * w));
    plan.insert(plan.end(), n, o.difficulties[i]);
  }
  for (size_t i = plan.size(); i > 1; --i) std::swap(plan[i - 1], plan[g.Uniform(0, static_cast<int>(i) - 1)]);

  std::string out;
  std::unordered_set<std::string> seen;
  for (int difficulty : plan) {
    WorldProblem p = g.Next(difficulty, split);
    // A repeat is redrawn from the same task, so tasks with few distinct
    // problems (weekday: a few hundred) keep their share, repeating once
    // exhausted, instead of being replaced by other tasks.
    const int chat_task = ChatTaskIndex(p.task);
    for (int attempt = 0; o.unique && seen.contains(p.problem) && attempt < 200; ++attempt) {
      p = g.Next(difficulty, split, chat_task);
    }
    seen.insert(p.problem);
    nlohmann::ordered_json row;
    if (o.format == "problems") {
      row = {{"problem", p.problem}, {"answer", p.answer}, {"difficulty", p.difficulty}, {"task", p.task}};
    } else if (o.format == "direct") {
      row = {{"prompt", p.problem}, {"response", "\\boxed{" + p.answer + "}"}};
    } else {
      const int64_t budget = o.buckets[g.Uniform(0, static_cast<int>(o.buckets.size()) - 1)];
      const std::string reasoning = Fill(o.preamble, "{budget}", std::to_string(budget)) + p.trace +
                                    "\n</think>\n\nFinal answer: \\boxed{" + p.answer + "}";
      if (o.format == "traces") {
        row = {{"prompt", p.problem}, {"response", reasoning}};
      } else {
        row = {{"text", reasoning}};
      }
    }
    out += row.dump() + "\n";
  }
  if (rows) *rows = static_cast<int64_t>(plan.size());
  return WriteFileAtomic(o.out, out);
}

}  // namespace edgereason::train
