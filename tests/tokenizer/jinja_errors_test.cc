// Malformed and hostile templates: every failure is an error value naming the
// template and line, never a crash or a hang.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tokenizer/chat_template.h"
#include "tokenizer/jinja_evaluator.h"
#include "tokenizer/jinja_parser.h"

namespace edgereason {
namespace {

using testing::HasSubstr;
using testing::StartsWith;

Status ParseError(const std::string& source) {
  Result<ChatTemplate> chat = ChatTemplate::Parse(source, "bad.jinja");
  return chat.ok() ? Status::Ok() : chat.status();
}

Status RenderError(const std::string& source, const nlohmann::ordered_json& context = {{"n", 3}}) {
  Result<ChatTemplate> chat = ChatTemplate::Parse(source, "bad.jinja");
  if (!chat.ok()) return Internal("unexpected parse failure: " + chat.status().message());
  Result<std::string> out = chat->Render(context);
  return out.ok() ? Status::Ok() : out.status();
}

TEST(JinjaErrors, UnclosedBlocksNameTheOpeningLine) {
  Status s = ParseError("line one\n{% for x in xs %}\n{{ x }}\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("bad.jinja:"));
  EXPECT_THAT(s.message(), HasSubstr("opened on line 2"));
  EXPECT_THAT(s.message(), HasSubstr("endfor"));

  EXPECT_THAT(ParseError("{% if a %}\n{% else %}\n").message(),
              HasSubstr("'if' block opened on line 1"));
  EXPECT_THAT(ParseError("{% macro m() %}x").message(), HasSubstr("endmacro"));
  EXPECT_THAT(ParseError("{% set x %}never ends").message(), HasSubstr("endset"));
}

TEST(JinjaErrors, BadSyntaxPointsAtLineAndColumn) {
  EXPECT_THAT(ParseError("ok\n{{ 1 + }}").message(), StartsWith("bad.jinja:2:"));
  EXPECT_THAT(ParseError("{{ x").message(), HasSubstr("unclosed tag"));
  EXPECT_THAT(ParseError("{% if x %}{% endfor %}").message(), HasSubstr("endfor"));
  EXPECT_THAT(ParseError("{% endif %}").message(), HasSubstr("no open block"));
  EXPECT_THAT(ParseError("{% frobnicate %}").message(),
              HasSubstr("unknown or unsupported tag 'frobnicate'"));
  EXPECT_THAT(ParseError("{# never closed").message(), HasSubstr("unclosed comment"));
  EXPECT_THAT(ParseError("{{ 'unterminated }}").message(), HasSubstr("unterminated string"));
  EXPECT_THAT(ParseError("{{ (1 }}").message(), StartsWith("bad.jinja:1:"));
  EXPECT_THAT(ParseError("{{ x ) }}").message(), HasSubstr("unbalanced"));
  EXPECT_THAT(ParseError("{% break %}").message(), HasSubstr("outside a for loop"));
  EXPECT_THAT(ParseError("{{ 99999999999999999999 }}").message(), HasSubstr("too large"));
  EXPECT_THAT(ParseError("{{ 'a' $ 'b' }}").message(), HasSubstr("unexpected character"));
  EXPECT_THAT(ParseError("{% include 'other.jinja' %}").message(),
              HasSubstr("unsupported tag 'include'"));
}

TEST(JinjaErrors, RenderErrorsNameTheLine) {
  EXPECT_EQ(RenderError("a\nb\n{{ n | nosuchfilter }}").message(),
            "bad.jinja:3: no filter named 'nosuchfilter'");
  EXPECT_EQ(RenderError("{{ n is nosuchtest }}").message(),
            "bad.jinja:1: no test named 'nosuchtest'");
  EXPECT_EQ(RenderError("\n{{ missing.attr }}").message(), "bad.jinja:2: 'missing' is undefined");
  EXPECT_EQ(RenderError("{{ raise_exception('No tools allowed.') }}").message(),
            "bad.jinja:1: No tools allowed.");
  EXPECT_THAT(RenderError("{{ n + 'a' }}").message(),
              HasSubstr("unsupported operand type(s) for +"));
  EXPECT_THAT(RenderError("{{ n // 0 }}").message(), HasSubstr("by zero"));
  EXPECT_THAT(RenderError("{{ n() }}").message(), HasSubstr("not callable"));
  EXPECT_THAT(RenderError("{% for a, b in [1] %}{% endfor %}").message(),
              HasSubstr("not iterable"));
  EXPECT_THAT(RenderError("{% for a, b in [[1, 2, 3]] %}{% endfor %}").message(),
              HasSubstr("too many values"));
  EXPECT_THAT(RenderError("{{ [1].append(2) }}").message(), HasSubstr("unsafe"));
}

TEST(JinjaErrors, RunawayRecursionEndsWithAnError) {
  Status s = RenderError("{% macro f(k) %}{{ f(k + 1) }}{% endmacro %}{{ f(0) }}");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_THAT(s.message(), HasSubstr("recurse"));
}

TEST(JinjaErrors, HugeRangesAndLoopsEndWithAnError) {
  EXPECT_THAT(RenderError("{% for i in range(10**9) %}{% endfor %}").message(),
              HasSubstr("range too big"));
  // Nested loops under the range cap still stop at the step budget (a small
  // one here, to keep the test quick).
  auto program = jinja::ParseTemplate(
      "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}"
      "{% endfor %}{% endfor %}{% endfor %}",
      "loops.jinja");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  jinja::RenderLimits limits;
  limits.max_steps = 50000;
  jinja::Evaluator evaluator(**program, limits);
  Result<std::string> out = evaluator.Render(jinja::Value::MakeDict({}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
  EXPECT_THAT(out.status().message(), HasSubstr("steps"));
}

TEST(JinjaErrors, OutputAndStringSizesAreCapped) {
  EXPECT_THAT(RenderError("{{ 'x' * 10**12 }}").message(), HasSubstr("exceed"));
  Status s =
      RenderError("{% set s = 'x' * 1000000 %}{% for i in range(100000) %}{{ s }}{% endfor %}");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_THAT(s.message(), HasSubstr("bytes"));
}

TEST(JinjaErrors, DeepNestingIsRefusedNotOverflowed) {
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_THAT(ParseError(deep).message(), HasSubstr("nests too deeply"));
  std::string nots = "{{ ";
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_THAT(ParseError(nots + "x }}").message(), HasSubstr("nests too deeply"));
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if x %}";
  EXPECT_THAT(ParseError(ifs).message(), HasSubstr("nests too deeply"));
}

TEST(JinjaErrors, GarbageInputNeverCrashes) {
  const char* inputs[] = {"{{",
                          "{%",
                          "{#",
                          "}}",
                          "%}",
                          "{{}}",
                          "{%%}",
                          "{{ - }}",
                          "{{ [ }}",
                          "{{ {'a' }}",
                          "{% for %}",
                          "{% for x %}",
                          "{% for x in %}",
                          "{% set %}",
                          "{% set = 1 %}",
                          "{% if %}{% endif %}",
                          "{{ x | }}",
                          "{{ x is }}",
                          "{{ x[ }}",
                          "{{ x[::] }}",
                          "{{ 'a' \\ }}",
                          "{% macro %}",
                          "{% call %}{% endcall %}",
                          "{{ '\\x' }}",
                          "{{ '\\u12' }}",
                          "{% raw %}",
                          "{{ 1 if }}",
                          "{{ x. }}",
                          "{% filter %}{% endfilter %}",
                          "\xff\xfe{{ '\xc3' }}"};
  for (const char* input : inputs) {
    SCOPED_TRACE(input);
    Result<ChatTemplate> chat = ChatTemplate::Parse(input, "fuzz.jinja");
    if (!chat.ok()) {
      EXPECT_THAT(chat.status().message(), StartsWith("fuzz.jinja:"));
      continue;
    }
    (void)chat->Render(nlohmann::json::object());
  }
}

}  // namespace
}  // namespace edgereason
