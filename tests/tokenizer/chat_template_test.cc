// The chat templates real checkpoints ship, rendered by edgereason and by the
// Python reference over a set of conversations; the prompts must match byte
// for byte.
#include "tokenizer/chat_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "jinja_reference.h"
#include "test_util.h"

namespace edgereason {
namespace {

using nlohmann::ordered_json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct NamedTemplate {
  std::string name;
  std::string source;
};

std::vector<NamedTemplate> RealTemplates() {
  const std::string dir = test::SharedPath("data/qwen2.5-tokenizer/");
  ordered_json config =
      ordered_json::parse(ReadFile(dir + "tokenizer_config.json"), nullptr, false);
  return {
      {"Qwen2.5-7B-Instruct.jinja", ReadFile(dir + "Qwen-Qwen2.5-7B-Instruct.jinja")},
      {"DeepSeek-R1-Distill-Qwen-32B.jinja",
       ReadFile(dir + "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja")},
      {"tokenizer_config.json", config.is_object() ? config.value("chat_template", "") : ""},
  };
}

ordered_json Message(const std::string& role, const ordered_json& content) {
  return ordered_json{{"role", role}, {"content", content}};
}

const ordered_json kWeatherTool = ordered_json::parse(R"({
  "type": "function",
  "function": {
    "name": "get_weather",
    "description": "Get the current weather in a city.",
    "parameters": {
      "type": "object",
      "properties": {"city": {"type": "string", "description": "City name, e.g. Zürich"},
                     "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
      "required": ["city"]
    }
  }
})");

// Conversations named for what they exercise. The tool ones come in two
// shapes: arguments as an object (what Qwen's template prints with tojson)
// and as a JSON string with null content (what DeepSeek's template expects).
std::vector<std::pair<std::string, ordered_json>> Conversations() {
  std::vector<std::pair<std::string, ordered_json>> out;
  out.emplace_back("single_turn", ordered_json{{"messages", {Message("user", "What is 2 + 2?")}}});
  out.emplace_back("system_and_user",
                   ordered_json{{"messages",
                                 {Message("system", "You are a terse math tutor."),
                                  Message("user", "Integrate x^2.")}}});
  out.emplace_back(
      "multi_turn",
      ordered_json{{"messages",
                    {Message("user", "Hi!"), Message("assistant", "Hello. How can I help?"),
                     Message("user", "Tell me a joke.\nMake it short.")}}});
  out.emplace_back(
      "thinking_history",
      ordered_json{{"messages",
                    {Message("system", "Reason step by step."), Message("user", "Is 91 prime?"),
                     Message("assistant", "<think>\n91 = 7 * 13.\n</think>\n\nNo: 91 = 7 × 13."),
                     Message("user", "And 97?")}}});
  out.emplace_back(
      "non_ascii",
      ordered_json{{"messages",
                    {Message("user", "Grüße! 你好，世界 🌍 — «ça va?» ☃"),
                     Message("assistant", "こんにちは 👋 Ça va très bien."),
                     Message("user", "Ünïcödé\ttabs and \"quotes\" and \\backslashes\\")}}});
  ordered_json qwen_call = Message("assistant", "");
  qwen_call["tool_calls"] = {
      {{"type", "function"},
       {"function",
        {{"name", "get_weather"}, {"arguments", {{"city", "Zürich"}, {"unit", "celsius"}}}}}}};
  out.emplace_back("tools_object_arguments",
                   ordered_json{{"tools", {kWeatherTool}},
                                {"messages",
                                 {Message("user", "Weather in Zürich?"), qwen_call,
                                  Message("tool", "{\"temperature\": 21, \"sky\": \"clear\"}"),
                                  Message("tool", "{\"humidity\": 0.4}"),
                                  Message("assistant", "It is 21 °C and clear in Zürich.")}}});
  ordered_json string_call = Message("assistant", nullptr);
  string_call["tool_calls"] = {
      {{"type", "function"},
       {"function", {{"name", "get_weather"}, {"arguments", "{\"city\": \"Paris\"}"}}}},
      {{"type", "function"},
       {"function", {{"name", "get_weather"}, {"arguments", "{\"city\": \"Oslo\"}"}}}}};
  out.emplace_back(
      "tools_string_arguments",
      ordered_json{
          {"messages",
           {Message("system", "Use tools when needed."), Message("user", "Compare Paris and Oslo."),
            string_call, Message("tool", "Paris: 18C"), Message("tool", "Oslo: 9C"),
            Message("assistant", "<think>compare</think>Paris is warmer.")}}});
  out.emplace_back(
      "tools_with_system",
      ordered_json{{"tools", {kWeatherTool, kWeatherTool}},
                   {"messages", {Message("system", "Be brief."), Message("user", "Weather?")}}});
  out.emplace_back(
      "system_in_the_middle",
      ordered_json{
          {"messages", {Message("user", "a"), Message("system", "b"), Message("assistant", "c")}}});
  out.emplace_back("no_messages", ordered_json{{"messages", ordered_json::array()}});
  return out;
}

TEST(ChatTemplateReference, RealTemplatesMatchPythonJinja) {
  std::string unavailable = test::ReferenceUnavailableReason();
  ASSERT_TRUE(unavailable.empty()) << unavailable;

  std::vector<test::ReferenceCase> cases;
  std::vector<std::string> names;
  std::vector<std::string> origins;
  for (const NamedTemplate& t : RealTemplates()) {
    ASSERT_FALSE(t.source.empty()) << "could not read " << t.name << " from the shared data";
    for (const auto& [conversation, base] : Conversations()) {
      for (bool add_generation_prompt : {false, true}) {
        ordered_json context = base;
        context["add_generation_prompt"] = add_generation_prompt;
        context["bos_token"] = "<｜begin▁of▁sentence｜>";
        context["eos_token"] = "<|im_end|>";
        cases.push_back({t.source, context});
        names.push_back(t.name + " / " + conversation +
                        (add_generation_prompt ? " / generation prompt" : ""));
        origins.push_back(t.name);
      }
    }
  }
  std::string problem;
  std::vector<test::ReferenceResult> expected = test::RenderWithReference(cases, problem);
  ASSERT_EQ(expected.size(), cases.size()) << problem;

  int compared_ok = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(names[i]);
    Result<ChatTemplate> chat = ChatTemplate::Parse(cases[i].template_source, origins[i]);
    ASSERT_TRUE(chat.ok()) << chat.status().ToString();
    Result<std::string> rendered = chat->Render(cases[i].context);
    ASSERT_EQ(rendered.ok(), expected[i].ok)
        << "edgereason: " << (rendered.ok() ? *rendered : rendered.status().ToString())
        << "\nreference: " << (expected[i].ok ? expected[i].output : expected[i].error);
    if (rendered.ok()) {
      EXPECT_EQ(*rendered, expected[i].output);
      ++compared_ok;
    }
  }
  EXPECT_GT(compared_ok, 40);
}

TEST(ChatTemplateApi, ApplyMatchesRenderWithTheSameContext) {
  const std::string source = RealTemplates()[1].source;
  Result<ChatTemplate> chat = ChatTemplate::Parse(source, "deepseek.jinja");
  ASSERT_TRUE(chat.ok()) << chat.status().ToString();
  std::vector<ChatMessage> messages = {{"system", "Be kind.", {}},
                                       {"user", "Hi", {}},
                                       {"assistant", "<think>greet</think>Hello!", {}},
                                       {"user", "Bye", {}}};
  Result<std::string> applied = chat->Apply(messages, true, "<bos>", "<eos>");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied,
            "<bos>Be "
            "kind.<｜User｜>Hi<｜Assistant｜>Hello!<｜end▁of▁sentence｜><｜User｜>Bye<"
            "｜Assistant｜><think>\n");
  ordered_json context = {{"messages", ChatMessagesToJson(messages)},
                          {"add_generation_prompt", true},
                          {"bos_token", "<bos>"},
                          {"eos_token", "<eos>"}};
  Result<std::string> rendered = chat->Render(context);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(*rendered, *applied);
}

TEST(ChatTemplateApi, MessageExtrasReachTheTemplate) {
  Result<ChatTemplate> chat = ChatTemplate::Parse(
      "{% for m in messages %}{{ m.role }}:{{ m.name | default('-') }}:{{ m.tool_calls | "
      "default([]) | tojson }};{% endfor %}",
      "t");
  ASSERT_TRUE(chat.ok()) << chat.status().ToString();
  ChatMessage call{"assistant", "", {}};
  call.extras["name"] = "bot";
  call.extras["tool_calls"] = nlohmann::json::array({{{"z", 1}, {"a", 2}}});
  Result<std::string> out = chat->Apply({{"user", "x", {}}, call}, false, "", "");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // nlohmann::json sorts object keys; the rendering follows what it was given.
  EXPECT_EQ(*out, "user:-:[];assistant:bot:[{\"a\": 2, \"z\": 1}];");
}

TEST(ChatTemplateApi, RaiseExceptionBecomesAnErrorWithTheTemplatesMessage) {
  Result<ChatTemplate> chat = ChatTemplate::Parse(
      "{% if messages[0].role != 'user' %}\n{{ raise_exception('Conversations must start with a "
      "user turn.') }}\n{% endif %}",
      "strict.jinja");
  ASSERT_TRUE(chat.ok()) << chat.status().ToString();
  Result<std::string> out = chat->Apply({{"assistant", "hi", {}}}, false, "", "");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "strict.jinja:2: Conversations must start with a user turn.");
  EXPECT_TRUE(chat->Apply({{"user", "hi", {}}}, false, "", "").ok());
}

TEST(ChatTemplateApi, RenderNeedsAnObjectContext) {
  Result<ChatTemplate> chat = ChatTemplate::Parse("x", "t.jinja");
  ASSERT_TRUE(chat.ok());
  Result<std::string> out = chat->Render(nlohmann::json::array());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), testing::HasSubstr("t.jinja"));
}

}  // namespace
}  // namespace edgereason
