// The forms the checker supports, one expectation each, and hostile input
// that must give a verdict quickly instead of a crash or a hang.
#include "verify/answer_checker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

namespace edgereason {
namespace {

bool Same(std::string_view gold, std::string_view pred) { return CheckAnswer(gold, pred).match; }

TEST(ExtractAnswer, FindsTheFinalAnswer) {
  EXPECT_EQ(ExtractAnswer("so $x = \\boxed{\\frac{1}{2}}$."), "\\frac{1}{2}");
  EXPECT_EQ(ExtractAnswer("\\boxed{1} first, then \\boxed{\\{a, \\{b\\}\\}}"), "\\{a, \\{b\\}\\}");
  EXPECT_EQ(ExtractAnswer("\\fbox{7}"), "7");
  EXPECT_EQ(ExtractAnswer("The final answer is $42$. I hope it is correct."), "42");
  EXPECT_EQ(ExtractAnswer("She pays 5*3=<<5*3=15>>15.\n#### 1,234"), "1234");
  EXPECT_EQ(ExtractAnswer("We get \\[ x^2 \\] and thus \\(y\\)"), "y");
  EXPECT_EQ(ExtractAnswer("it costs 12 dollars, so 3.5 each"), "3.5");
  EXPECT_EQ(ExtractAnswer("\\boxed{1} and \\boxed{2}"), "1, 2");
  EXPECT_EQ(ExtractAnswer("no numbers here"), std::nullopt);
}

TEST(CheckAnswer, Numbers) {
  EXPECT_TRUE(Same("1000", "1,000"));
  EXPECT_TRUE(Same("0.5", "\\frac12"));
  EXPECT_TRUE(Same("1/3", "0.333333"));
  EXPECT_FALSE(Same("1/3", "0.33"));
  EXPECT_TRUE(Same("2500", "2.5 \\times 10^{3}"));
  EXPECT_TRUE(Same("1200000", "1.2\\cdot10^6"));
  EXPECT_TRUE(Same("25\\%", "25"));
  EXPECT_TRUE(Same("90^\\circ", "90"));
  EXPECT_TRUE(Same("\\$10", "10 \\text{ dollars}"));
  EXPECT_TRUE(Same("2\\frac{1}{2}", "5/2"));
  EXPECT_TRUE(Same("204_5", "54"));
  EXPECT_FALSE(Same("7", "8"));
  EXPECT_FALSE(Same("1000000", "1000001"));
}

TEST(CheckAnswer, RadicalsAndConstants) {
  EXPECT_TRUE(Same("3\\sqrt{13}", "\\sqrt{117}"));
  EXPECT_TRUE(Same("\\sqrt[3]{8}", "2"));
  EXPECT_TRUE(Same("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"));
  EXPECT_TRUE(Same("2\\pi", "\\pi \\cdot 2"));
  EXPECT_TRUE(Same("\\sqrt{17}", "4.1231056"));
  EXPECT_FALSE(Same("\\sqrt{2}", "\\sqrt{3}"));
}

TEST(CheckAnswer, Expressions) {
  EXPECT_TRUE(Same("\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}"));
  EXPECT_TRUE(Same("(x+1)^2", "x^2+2x+1"));
  EXPECT_TRUE(Same("2\\sin b \\cos a", "2\\cos(a)\\sin(b)"));
  EXPECT_TRUE(Same("\\sin^2 x + \\cos^2 x", "1"));
  EXPECT_FALSE(Same("x+2n+1", "x+1"));
  EXPECT_TRUE(Same("y = 2x+3", "2x + 3"));
  EXPECT_TRUE(Same("x = 5", "5"));
  EXPECT_FALSE(Same("7 = 11a + c", "11a + c"));
  EXPECT_TRUE(Same("x^2/4 + y^2/3 = 1", "3x^2 + 4y^2 = 12"));
}

TEST(CheckAnswer, StructuredAnswers) {
  EXPECT_TRUE(Same("[0, 7)", "x \\in [0,7)"));
  EXPECT_FALSE(Same("(0, 9)", "[0, 9)"));
  EXPECT_TRUE(Same("(2,12) \\cup (12,102)", "(2, 12)\\cup(12, 102)"));
  EXPECT_TRUE(Same("x \\geq 5", "5 \\le x"));
  EXPECT_TRUE(Same("-2 \\le x \\le 7", "[-2, 7]"));
  EXPECT_FALSE(Same("x > 5", "x < 5"));
  EXPECT_TRUE(Same("\\{1, 2, 3\\}", "3, 2, 1"));
  EXPECT_TRUE(Same("(1, 2)", "\\left( 1, 2 \\right)"));
  EXPECT_FALSE(Same("(1, 2)", "(2, 1)"));
  EXPECT_TRUE(Same("1 \\pm \\sqrt{19}", "1 + \\sqrt{19}, 1 - \\sqrt{19}"));
  EXPECT_FALSE(Same("\\pm 2021", "2021"));
  EXPECT_TRUE(Same("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
                   "\\left[\\begin{array}{cc}1 & 2 \\\\ 3 & 4\\end{array}\\right]"));
  EXPECT_TRUE(Same("\\begin{pmatrix} 6 & 8 \\\\ 10 & 12 \\end{pmatrix}",
                   "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + "
                   "\\begin{pmatrix}5 & 6 \\\\ 7 & 8\\end{pmatrix}"));
  EXPECT_FALSE(Same("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 \\end{pmatrix}"));
}

TEST(CheckAnswer, ChoicesAndWords) {
  EXPECT_TRUE(Same("\\text{(C)}", "The answer is (C)."));
  EXPECT_TRUE(Same("B", "answer: B"));
  EXPECT_FALSE(Same("B", "The answer is D, not B"));
  EXPECT_TRUE(Same("\\text{Evelyn}", "so it is $\\boxed{\\text{Evelyn}}$"));
  EXPECT_TRUE(Same("\\text{odd}", "Odd"));
  EXPECT_FALSE(Same("\\text{odd}", "even"));
}

TEST(CheckAnswer, Verdicts) {
  EXPECT_EQ(CheckAnswer("", "5").verdict, "empty");
  EXPECT_EQ(CheckAnswer("5", "  ").verdict, "empty");
  EXPECT_EQ(CheckAnswer("5", "no idea").verdict, "unparseable_pred");
  EXPECT_EQ(CheckAnswer("\\frac{", "5").verdict, "unparseable_gold");
  CheckResult r = CheckAnswer("5", "so \\boxed{6}");
  EXPECT_EQ(r.verdict, "mismatch");
  EXPECT_EQ(r.pred_extracted, "6");
  EXPECT_FALSE(r.match);
}

// Every hostile input gets some verdict, in well under a second.
TEST(CheckAnswer, HostileInputIsBoundedAndNeverCrashes) {
  std::vector<std::string> hostile = {
      "\\boxed{10^{10^{10^{10}}}}", "1000000!", "\\boxed{(10^{10})!}", "2^{2^{2^{2^{2^{2}}}}}",
      std::string(10000, '{') + "1" + std::string(10000, '}'),
      "\\boxed{" + std::string(10000, '{'), std::string(20000, '('), "\\frac{1}{0}", "0^{-1}",
      "(x+1)^{100000}", "\\sqrt[0]{2}", "\\begin{pmatrix}1 & 2 \\\\ 3\\end{pmatrix}",
      "\\left( \\right]", "}}}{{{", "$$$$$$", "\\", "x^", "\\frac", "_", "\\sqrt{-1}",
      "\\binom{100000}{50000}", "\\log(0)", "\\boxed{\\boxed{\\boxed{}}}",
      std::string("\0\x01\xff\xfe\x80", 5), std::string(3000, '9'),
      "(x+y+z+w)^{20} - (w+x+y+z)^{20}", "\\sin(10^{400})"};
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string junk(1 + rng() % 64, ' ');
    for (char& c : junk) c = static_cast<char>(rng() % 256);
    hostile.push_back(junk);
  }
  const std::string alphabet = "\\{}[]()^_$,=<>0123456789x+-*/! frac sqrt boxed pmatrix &";
  for (int i = 0; i < 300; ++i) {
    std::string latex(1 + rng() % 48, ' ');
    for (char& c : latex) c = alphabet[rng() % alphabet.size()];
    hostile.push_back(latex);
  }
  double slowest_ms = 0;
  for (const std::string& text : hostile) {
    for (auto [gold, pred] : {std::pair{text, std::string("5")}, std::pair{std::string("5"), text},
                              std::pair{text, text}}) {
      auto start = std::chrono::steady_clock::now();
      CheckResult r = CheckAnswer(gold, pred);
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      slowest_ms = std::max(slowest_ms, ms);
      EXPECT_FALSE(r.verdict.empty());
      EXPECT_LT(ms, 1000) << "slow on: " << text.substr(0, 60);
    }
  }
  std::cout << "hostile inputs: slowest check " << slowest_ms << " ms\n";
}

}  // namespace
}  // namespace edgereason

namespace edgereason {
namespace {

// Found by scripts/fuzz.sh: an interval against an inequality that is not one
// (two relations chained by an unknown command) recursed without end.
TEST(CheckAnswer, IntervalAgainstAnUnconvertibleRelationTerminates) {
  const CheckResult r = CheckAnswer("$x \\in [-2,7]$", "$-2 \\\\le x \\\\me 7$");
  EXPECT_FALSE(r.match);
  EXPECT_TRUE(CheckAnswer("$x \\in [-2,7]$", "$-2 \\le x \\le 7$").match);
  EXPECT_TRUE(CheckAnswer("$[5, \\infty)$", "$x \\ge 5$").match);
}

}  // namespace
}  // namespace edgereason
