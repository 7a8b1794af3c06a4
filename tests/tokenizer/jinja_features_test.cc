// Small templates exercising one Jinja feature each, rendered by edgereason
// and by the Python reference; output (or failure) must agree.
#include <gtest/gtest.h>

#include "jinja_reference.h"
#include "tokenizer/chat_template.h"

namespace edgereason {
namespace {

using nlohmann::ordered_json;

struct FeatureCase {
  const char* source;
  const char* context_json;  // a JSON object
};

const ordered_json kDefaultContext = ordered_json::parse(R"({
  "messages": [{"role": "system", "content": "  sys  "}, {"role": "user", "content": "Hi there"},
               {"role": "assistant", "content": "<think>x</think>Yo", "tool_calls": [{"function": {"name": "f", "arguments": {"b": 1, "a": [1, 2.5, null, true]}}}]}],
  "n": 7, "f": 2.5, "neg": -3, "s": "Hello, World", "u": "grüße 你好", "t": true, "none": null,
  "xs": [3, 1, 2], "words": ["b", "A", "c", "a"], "d": {"z": 1, "a": 2, "m": {"k": "v"}},
  "people": [{"name": "ann", "age": 31}, {"name": "Bob", "age": 25}, {"name": "cy"}]
})");

const FeatureCase kCases[] = {
    // Output, literals, printing like Python.
    {"{{ 1 }} {{ 1.0 }} {{ 2.50 }} {{ 1e20 }} {{ 0.0001 }} {{ 1e-5 }} {{ none }} {{ true }} {{ "
     "False }}",
     "{}"},
    {"{{ [1, 'a', none, true, 2.0] }} {{ {'k': 'v', 'n': [1]} }} {{ (1,) }} {{ () }} {{ (1, 2) }}",
     "{}"},
    {"{{ 'it\\'s' }} {{ \"say \\\"hi\\\"\" }} {{ 'tab\\there' }} {{ 'nl\\nx' }} {{ '\\u00e9\\x41' "
     "}} {{ 'a' 'b' }}",
     "{}"},
    {"{{ ['it\\'s', \"q\\\"\", 'nl\\n', 'é'] }}", "{}"},
    {"{{ missing }}|{{ missing is defined }}|{{ missing is undefined }}|{{ d.nope }}|{{ d['nope'] "
     "}}",
     "{}"},
    {"{{ n }} {{ f }} {{ neg }} {{ s }} {{ u }} {{ t }} {{ none }} {{ xs }} {{ d }}", ""},
    // Arithmetic and operators.
    {"{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 3 }} {{ 2 ** 10 }} {{ "
     "2 ** -1 }} {{ 7.5 // 2 }}",
     "{}"},
    {"{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ -n }} {{ +f }} {{ n - f }} {{ 'ab' * 3 }} {{ [1] * 2 }} "
     "{{ 'a' ~ 1 ~ none }}",
     ""},
    {"{{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 < 2 < 3 }} {{ 3 > "
     "2 > 5 }} {{ 'a' != 'a' }}",
     "{}"},
    {"{{ 'ell' in s }} {{ 2 in xs }} {{ 'z' in d }} {{ 'q' not in d }} {{ 5 not in xs }} {{ 'x' in "
     "missing }}",
     ""},
    {"{{ t and n }} {{ none or 'fallback' }} {{ 0 and 1 }} {{ not t }} {{ not none }} {{ '' or [] "
     "}}",
     ""},
    {"{{ 'yes' if t else 'no' }} {{ 'yes' if none else 'no' }} [{{ 'only' if false }}]", ""},
    {"{{ '%s=%d' % ('x', 3) }} {{ '%05.2f' % 3.14159 }} {{ '%r' % 'q' }}", "{}"},
    // Subscripts, slices, attributes.
    {"{{ xs[0] }} {{ xs[-1] }} {{ xs[1:] }} {{ xs[:-1] }} {{ xs[::-1] }} {{ xs[::2] }} {{ s[7:] }} "
     "{{ u[::-1] }} {{ u[1] }}",
     ""},
    {"{{ messages[0]['role'] }} {{ messages[1].content }} {{ d.m.k }} {{ d['m']['k'] }} {{ "
     "people[2].age }} {{ xs.0 }}",
     ""},
    {"{{ messages[-1].content.split('</think>')[-1] }} {{ d.get('a') }} {{ d.get('q', 'dflt') }} "
     "{{ d.get('q') }}",
     ""},
    // String methods.
    {"[{{ messages[0].content.strip() }}] [{{ '--x--'.strip('-') }}] [{{ '  a '.lstrip() }}] [{{ ' "
     "a  '.rstrip() }}]",
     ""},
    {"{{ s.split(', ') }} {{ ' a  b '.split() }} {{ 'a,b,c'.split(',', 1) }} {{ "
     "s.startswith('Hell') }} {{ s.endswith(('x', 'ld')) }}",
     ""},
    {"{{ s.upper() }} {{ s.lower() }} {{ 'hello wORLD'.title() }} {{ 'hello World'.capitalize() }} "
     "{{ u.upper() }}",
     ""},
    {"{{ s.replace('l', 'L') }} {{ s.replace('l', 'L', 1) }} {{ s.find('o') }} {{ s.find('q') }} "
     "{{ u.find('你') }} {{ s.count('l') }}",
     ""},
    {"{{ '-'.join(['a', 'b']) }} {{ '{} and {}'.format(1, 'two') }} {{ '{0}{name}'.format('x', "
     "name='y') }} {{ 'a\\nb'.splitlines() }}",
     "{}"},
    // Dict methods and iteration.
    {"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k in d %}{{ k }}{% endfor "
     "%}|{{ d.keys() | list }}|{{ d.values() | list | length }}",
     ""},
    // For loops.
    {"{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ "
     "loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}",
     ""},
    {"{% for x in xs %}{{ loop.previtem | default('^') }}<{{ x }}>{{ loop.nextitem | default('$') "
     "}} {% endfor %}",
     ""},
    {"{% for x in xs if x > 1 %}{{ x }}:{{ loop.index }}/{{ loop.length }} {% endfor %}", ""},
    {"{% for x in [] %}never{% else %}empty{% endfor %} {% for x in xs %}{{ x }}{% else %}no{% "
     "endfor %}",
     ""},
    {"{% for x in xs %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 2 %}{% break %}{% endif "
     "%}{{ x }}{% endfor %}",
     ""},
    {"{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }} {% endfor %}{% for c in 'héllo' %}{{ c }}.{% "
     "endfor %}",
     "{}"},
    {"{% for i in range(3) %}{{ i }}{% endfor %} {{ range(2, 10, 3) | list }} {{ range(5, 0, -2) | "
     "list }}",
     "{}"},
    {"{% for row in [[1, 2], [3]] %}{% for x in row %}{{ loop.index }}{% endfor %}/{{ loop.index "
     "}} {% endfor %}",
     "{}"},
    {"{% for x in xs %}{{ loop.cycle('odd', 'even') }} {% endfor %}", ""},
    // Scoping: set in a loop stays in the loop; namespaces carry state out.
    {"{% set x = 1 %}{% for i in xs %}{% set x = i %}{% endfor %}{{ x }}", ""},
    {"{% for i in [1, 2] %}{% if i == 2 %}[{{ y }}]{% endif %}{% set y = i %}{% endfor %}", "{}"},
    {"{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "{}"},
    {"{% macro m() %}{{ v }}{% endmacro %}{% set v = 3 %}{{ m() }}", "{}"},
    {"{% set ns = namespace(total=0, seen=[]) %}{% for i in xs %}{% set ns.total = ns.total + i "
     "%}{% set ns.seen = ns.seen + [i] %}{% endfor %}{{ ns.total }} {{ ns.seen }}",
     ""},
    {"{% set a, b = 1, 2 %}{{ a }}{{ b }} {% set c = (3, 4) %}{{ c }} {% set w %}block {{ n }}{% "
     "endset %}[{{ w }}]",
     ""},
    {"{% set w | upper %}shout {{ s }}{% endset %}{{ w }}", ""},
    {"{% if n > 10 %}big{% elif n > 5 %}medium{% else %}small{% endif %} {% if none %}x{% endif %}",
     ""},
    // Macros and call blocks.
    {"{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} "
     "{{ greet('Bo', punct='?') }} {{ greet(name='Cy') }}",
     "{}"},
    {"{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner {{ n }}{% endcall %}",
     ""},
    {"{% macro fact(k) %}{% if k <= 1 %}1{% else %}{{ k * fact(k - 1) | int }}{% endif %}{% "
     "endmacro %}{{ fact(5) }}",
     "{}"},
    {"{% filter upper %}hello {{ s }}{% endfilter %}", ""},
    // Filters.
    {"[{{ messages[0].content | trim }}] {{ xs | length }} {{ s | count }} {{ u | length }} {{ s | "
     "upper }} {{ s | lower }} {{ 'hello-world foo' | title }} {{ 'hELLO' | capitalize }}",
     ""},
    {"{{ s | replace('o', '0') }} {{ xs | join(',') }} {{ people | join(', ', attribute='name') }} "
     "{{ xs | first }} {{ xs | last }} {{ s | first }}",
     ""},
    {"{{ missing | default('dflt') }} {{ '' | default('dflt') }} {{ '' | default('dflt', true) }} "
     "{{ none | d('x', boolean=true) }}",
     ""},
    {"{{ s | list }} {{ d | items | list }} {{ d | list }} {{ 'ab' | reverse }} {{ xs | reverse | "
     "list }}",
     ""},
    {"{{ people | selectattr('age') | map(attribute='name') | list }} {{ people | "
     "rejectattr('age') | map(attribute='name') | join }}",
     ""},
    {"{{ people | selectattr('age', 'gt', 26) | map(attribute='name') | list }} {{ people | "
     "selectattr('name', 'equalto', 'cy') | list | length }}",
     ""},
    {"{{ xs | select('odd') | list }} {{ xs | reject('odd') | list }} {{ words | map('upper') | "
     "list }} {{ people | map(attribute='age', default=0) | list }}",
     ""},
    {"{{ words | sort }} {{ words | sort(case_sensitive=true) }} {{ xs | sort(reverse=true) }} {{ "
     "people | sort(attribute='name') | map(attribute='name') | list }}",
     ""},
    {"{{ words | unique | list }} {{ d | dictsort }} {{ d | dictsort(reverse=true) | first }} {{ "
     "xs | sum }} {{ xs | min }} {{ xs | max }} {{ words | max }}",
     ""},
    {"{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(-1) }} {{ 3.9 | int }} {{ "
     "'2.5' | float }} {{ 2 | float }} {{ 'q' | float }}",
     "{}"},
    {"{{ -3 | abs }} {{ neg | abs }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ "
     "2.1 | round(0, 'ceil') }} {{ 7 | round }}",
     ""},
    {"{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | "
     "indent(width='> ', blank=true) }}",
     "{}"},
    {"{{ '<a href=\"x\">&</a>' | escape }} {{ '<b>' | safe }} {{ 'one two  three' | wordcount }} "
     "[{{ 'ab' | center(7) }}] [{{ 'ab' | center(6) }}]",
     "{}"},
    {"{{ n | string }}{{ none | string }} {{ xs | batch(2) | list }} {{ xs | batch(2, 0) | list }} "
     "{{ '%s-%s' | format(1, 2) }}",
     ""},
    // tojson as the reference defines it.
    {"{{ messages[2].tool_calls | tojson }}", ""},
    {"{{ d | tojson(indent=2) }}", ""},
    {"{{ d | tojson(separators=(',', ':'), sort_keys=true) }} {{ u | tojson }} {{ u | "
     "tojson(ensure_ascii=true) }} {{ 'a\"b\\\\c\\n\\t\\u0001' | tojson }}",
     ""},
    {"{{ [] | tojson(indent=4) }} {{ {} | tojson }} {{ [1.0, 1e100, -0.5] | tojson }} {{ none | "
     "tojson }} {{ '😀' | tojson(ensure_ascii=true) }}",
     "{}"},
    {"{{ missing | tojson }}", "{}"},
    // Tests.
    {"{{ none is none }} {{ 1 is number }} {{ true is number }} {{ 1 is integer }} {{ 1.0 is "
     "integer }} {{ 1.0 is float }} {{ 's' is string }} {{ d is mapping }} {{ xs is mapping }}",
     ""},
    {"{{ xs is iterable }} {{ s is iterable }} {{ n is iterable }} {{ xs is sequence }} {{ true is "
     "boolean }} {{ 1 is boolean }} {{ true is true }} {{ 0 is false }}",
     ""},
    {"{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 2 is in "
     "xs }} {{ n is equalto 7 }} {{ n is eq(7) }} {{ none is sameas none }} {{ n is not none }}",
     ""},
    {"{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 5 is gt 3 }} {{ 5 is lt 3 }} {{ 'upper' is "
     "filter }} {{ 'odd' is test }} {{ 'nope' is filter }}",
     "{}"},
    // Whitespace control, trim_blocks and lstrip_blocks.
    {"a\n  {% if t %}\n    b\n  {% endif %}\nc\n", ""},
    {"a  {%- if t -%}  b  {%- endif -%}  c {{- ' d ' -}} e", ""},
    {"line1\n    {{ n }}\n    {# a comment #}\n  {%+ if t %}kept indent{% endif +%}\nend", ""},
    {"{% for x in xs %}\n  {{ x }}\n{% endfor %}\n", ""},
    {"  {% if t %}x{% endif %}  \n {% if t %}\ny{% endif %}", ""},
    {"{% raw %}{{ not rendered }} {% if %}{% endraw %}!", "{}"},
    {"crlf\r\nline {{ n }}\r\n{% if t %}\r\nyes\r\n{% endif %}\r\n", ""},
    {"{# only a comment #}", "{}"},
    // Errors that must happen in both.
    {"{{ missing.attr }}", "{}"},
    {"{{ missing['k'] }}", "{}"},
    {"{{ d.nope.deeper }}", ""},
    {"{{ 1 + 'a' }}", "{}"},
    {"{{ 1 / 0 }}", "{}"},
    {"{{ xs.append(4) }}", ""},
    {"{{ raise_exception('custom failure') }}", "{}"},
    {"{{ range(1000000) | length }}", "{}"},
    {"{{ n | nosuchfilter }}", ""},
    {"{% if false %}{{ n | nosuchfilter }}{% endif %}ok", ""},
    {"{% set ns2 = 5 %}{% set ns2.x = 1 %}", "{}"},
};

TEST(JinjaFeatures, MatchPythonJinja) {
  std::string unavailable = test::ReferenceUnavailableReason();
  ASSERT_TRUE(unavailable.empty()) << unavailable;
  std::vector<test::ReferenceCase> cases;
  for (const FeatureCase& c : kCases) {
    ordered_json context =
        *c.context_json == '\0' ? kDefaultContext : ordered_json::parse(c.context_json);
    cases.push_back({c.source, context});
  }
  std::string problem;
  std::vector<test::ReferenceResult> expected = test::RenderWithReference(cases, problem);
  ASSERT_EQ(expected.size(), cases.size()) << problem;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(std::string("template: ") + kCases[i].source);
    Result<ChatTemplate> chat = ChatTemplate::Parse(cases[i].template_source, "case.jinja");
    if (!chat.ok()) {
      ADD_FAILURE() << "parse failed: " << chat.status().ToString()
                    << "\nreference: " << (expected[i].ok ? expected[i].output : expected[i].error);
      continue;
    }
    Result<std::string> rendered = chat->Render(cases[i].context);
    if (rendered.ok() != expected[i].ok) {
      ADD_FAILURE() << "edgereason: " << (rendered.ok() ? *rendered : rendered.status().ToString())
                    << "\nreference: " << (expected[i].ok ? expected[i].output : expected[i].error);
      continue;
    }
    if (rendered.ok()) {
      EXPECT_EQ(*rendered, expected[i].output);
    }
  }
}

}  // namespace
}  // namespace edgereason
