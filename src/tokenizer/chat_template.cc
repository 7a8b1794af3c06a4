#include "tokenizer/chat_template.h"

#include "tokenizer/jinja_evaluator.h"
#include "tokenizer/jinja_format.h"
#include "tokenizer/jinja_parser.h"

namespace edgereason {

ChatTemplate::ChatTemplate(std::shared_ptr<const jinja::Template> program)
    : program_(std::move(program)) {}

Result<ChatTemplate> ChatTemplate::Parse(std::string source, std::string origin) {
  ER_ASSIGN_OR_RETURN(std::unique_ptr<jinja::Template> program,
                      jinja::ParseTemplate(source, origin));
  return ChatTemplate(std::shared_ptr<const jinja::Template>(std::move(program)));
}

const std::string& ChatTemplate::origin() const { return program_->origin; }

Result<std::string> ChatTemplate::Render(const nlohmann::ordered_json& context) const {
  if (!context.is_object()) {
    return InvalidArgument(program_->origin + ": render context must be a JSON object, not " +
                           std::string(context.type_name()));
  }
  jinja::Evaluator evaluator(*program_, jinja::RenderLimits{});
  return evaluator.Render(jinja::ValueFromJson(context));
}

Result<std::string> ChatTemplate::Render(const nlohmann::json& context) const {
  return Render(nlohmann::ordered_json(context));
}

Result<std::string> ChatTemplate::Apply(const std::vector<ChatMessage>& messages,
                                        bool add_generation_prompt, const std::string& bos_token,
                                        const std::string& eos_token) const {
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = ChatMessagesToJson(messages);
  context["add_generation_prompt"] = add_generation_prompt;
  context["bos_token"] = bos_token;
  context["eos_token"] = eos_token;
  return Render(context);
}

nlohmann::ordered_json ChatMessagesToJson(const std::vector<ChatMessage>& messages) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ChatMessage& message : messages) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    object["role"] = message.role;
    object["content"] = message.content;
    if (message.extras.is_object()) {
      for (const auto& [key, value] : message.extras.items()) object[key] = value;
    }
    list.push_back(std::move(object));
  }
  return list;
}

}  // namespace edgereason
