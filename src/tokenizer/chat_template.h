// Chat templates: the Jinja programs Hugging Face checkpoints ship (in
// tokenizer_config.json's "chat_template" or a *.jinja file) that turn a list of
// chat messages into the prompt text the model was trained on. Rendering
// follows the Python reference: a sandboxed Jinja environment with
// trim_blocks, lstrip_blocks and loop controls, plus the raise_exception,
// tojson and strftime_now helpers templates rely on, so the prompt is
// byte-identical to what the model saw in training.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

namespace jinja {
struct Template;  // the parsed program (jinja_ast.h)
}

// One turn of a conversation. `extras` carries any further fields a template
// may read (tool_calls, name, reasoning_content, ...); they are merged into the
// message object after "role" and "content". It keeps key order because
// templates print tool calls with tojson, which writes keys in order; a plain
// nlohmann::json converts to it implicitly.
struct ChatMessage {
  std::string role;
  std::string content;
  nlohmann::ordered_json extras = nlohmann::ordered_json::object();
};

// A parsed chat template. Cheap to copy (the program is shared and immutable)
// and safe to render from several threads at once.
class ChatTemplate {
 public:
  // Parses the template source; errors name `origin` (usually the file path)
  // and the line and column at fault.
  static Result<ChatTemplate> Parse(std::string source, std::string origin);

  // Renders with the given context variables (messages, add_generation_prompt,
  // bos_token, eos_token, tools, ...), which must be a JSON object. A template
  // calling raise_exception(msg) yields an InvalidArgument whose message is
  // "<origin>:<line>: msg"; other render errors read the same way.
  Result<std::string> Render(const nlohmann::json& context) const;
  // The same, keeping the caller's key order: objects printed with tojson
  // (tool schemas, tool-call arguments) then match the reference byte for
  // byte. nlohmann::json sorts keys, so prefer this overload for tools.
  Result<std::string> Render(const nlohmann::ordered_json& context) const;

  // Convenience: renders `messages` with add_generation_prompt and the special
  // token strings as bos_token / eos_token.
  Result<std::string> Apply(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                            const std::string& bos_token, const std::string& eos_token) const;

  // Where the template came from, as given to Parse.
  const std::string& origin() const;

 private:
  explicit ChatTemplate(std::shared_ptr<const jinja::Template> program);

  std::shared_ptr<const jinja::Template> program_;
};

// The message list as the JSON array templates iterate over.
nlohmann::ordered_json ChatMessagesToJson(const std::vector<ChatMessage>& messages);

}  // namespace edgereason
