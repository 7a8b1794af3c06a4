#include "train/data.h"

#include <nlohmann/json.hpp>

#include "base/file.h"

namespace edgereason::train {
namespace {

using json = nlohmann::json;

// Calls `on_row(line_number, parsed)` for every non-blank line; a row whose
// handler fails is fatal or skipped (recorded in the report).
Status ForEachJsonRow(const std::string& path, bool skip_bad_rows, LoadReport* report,
                      const std::function<Status(int64_t, const json&)>& on_row) {
  ER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  int64_t line_number = 0;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Status st;
    json row = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded()) {
      st = CorruptData("not valid JSON");
    } else if (!row.is_object()) {
      st = CorruptData("expected a JSON object");
    } else {
      st = on_row(line_number, row);
    }
    if (st.ok()) {
      if (report) ++report->rows;
      continue;
    }
    const std::string where = path + ":" + std::to_string(line_number) + ": " + st.message();
    if (!skip_bad_rows) return Status(st.code(), where + " (use --skip-bad-rows to skip such rows)");
    if (report) report->skipped.push_back(where);
  }
  return Status::Ok();
}

Result<std::string> StringField(const json& row, const char* name) {
  if (!row.contains(name)) return InvalidArgument(std::string("missing field '") + name + "'");
  if (!row[name].is_string()) return InvalidArgument(std::string("field '") + name + "' must be a string");
  return row[name].get<std::string>();
}

Result<std::vector<ChatMessage>> Messages(const json& row) {
  std::vector<ChatMessage> messages;
  if (row.contains("messages")) {
    if (!row["messages"].is_array() || row["messages"].empty()) {
      return InvalidArgument("field 'messages' must be a non-empty list");
    }
    for (const json& m : row["messages"]) {
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string() ||
          !m.contains("content") || !m["content"].is_string()) {
        return InvalidArgument("every message needs string fields 'role' and 'content'");
      }
      ChatMessage msg{m["role"].get<std::string>(), m["content"].get<std::string>()};
      for (const auto& [k, v] : m.items()) {
        if (k != "role" && k != "content") msg.extras[k] = v;
      }
      messages.push_back(std::move(msg));
    }
    return messages;
  }
  ER_ASSIGN_OR_RETURN(std::string prompt, StringField(row, "prompt"));
  ER_ASSIGN_OR_RETURN(std::string response, StringField(row, "response"));
  messages.push_back({"user", prompt});
  messages.push_back({"assistant", response});
  return messages;
}

}  // namespace

Result<TextCodec> TextCodec::Load(const std::string& model_dir, const std::string& template_path) {
  TextCodec codec;
  ER_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tok, Tokenizer::LoadFromDirectory(model_dir));
  codec.tokenizer = std::move(tok);
  std::string source = codec.tokenizer->config().chat_template;
  std::string origin = model_dir + "/tokenizer_config.json";
  if (!template_path.empty()) {
    ER_ASSIGN_OR_RETURN(source, ReadFile(template_path));
    origin = template_path;
  }
  if (!source.empty()) {
    ER_ASSIGN_OR_RETURN(ChatTemplate t, ChatTemplate::Parse(source, origin));
    codec.chat_template = std::move(t);
  }
  return codec;
}

Result<std::string> TextCodec::PromptText(const std::vector<ChatMessage>& messages) const {
  if (!chat_template) {
    std::string text;
    for (const ChatMessage& m : messages) text += m.content;
    return text;
  }
  const TokenizerConfig& tc = tokenizer->config();
  return chat_template->Apply(messages, /*add_generation_prompt=*/true, tc.bos_token, tc.eos_token);
}

std::string DecodeKnown(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  std::vector<int32_t> known;
  for (int32_t id : ids) {
    if (tokenizer.IdToToken(id).has_value()) known.push_back(id);
  }
  auto text = tokenizer.Decode(known);
  return text.ok() ? *text : std::string();
}

Result<std::vector<int32_t>> TextCodec::Encode(const std::string& text) const {
  return tokenizer->Encode(text, /*parse_special=*/true);
}

Result<std::vector<Example>> LoadSupervisedJsonl(const std::string& path, const TextCodec& codec,
                                                 const DatasetOptions& options,
                                                 LoadReport* report) {
  std::vector<Example> examples;
  const TokenizerConfig& tc = codec.tokenizer->config();
  std::optional<int32_t> eos;
  if (!tc.eos_token.empty()) eos = codec.tokenizer->TokenToId(tc.eos_token);
  Status st = ForEachJsonRow(path, options.skip_bad_rows, report, [&](int64_t line, const json& row) -> Status {
    Example ex;
    ex.line = line;
    if (row.contains("text")) {
      ER_ASSIGN_OR_RETURN(std::string text, StringField(row, "text"));
      ER_ASSIGN_OR_RETURN(ex.ids, codec.Encode(text));
      if (options.append_eos && eos) ex.ids.push_back(*eos);
    } else {
      ER_ASSIGN_OR_RETURN(std::vector<ChatMessage> messages, Messages(row));
      if (messages.back().role != "assistant") {
        return InvalidArgument("the last message must be the assistant's response, got role '" +
                               messages.back().role + "'");
      }
      if (!options.system_prompt.empty() && messages.front().role != "system") {
        messages.insert(messages.begin(), ChatMessage{"system", options.system_prompt});
      }
      std::vector<ChatMessage> prompt(messages.begin(), messages.end() - 1);
      ER_ASSIGN_OR_RETURN(std::string prompt_text, codec.PromptText(prompt));
      std::string response_text;
      if (codec.chat_template) {
        auto full = codec.chat_template->Apply(messages, false, tc.bos_token, tc.eos_token);
        if (!full.ok()) return InvalidArgument("chat template failed: " + full.status().message());
        if (full->compare(0, prompt_text.size(), prompt_text) != 0) {
          return InvalidArgument(
              "the chat template renders the conversation so that it does not begin with the "
              "prompt rendered with add_generation_prompt; cannot tell the response apart");
        }
        response_text = full->substr(prompt_text.size());
      } else {
        response_text = messages.back().content;
      }
      ER_ASSIGN_OR_RETURN(ex.ids, codec.Encode(prompt_text));
      ex.response_start = static_cast<int64_t>(ex.ids.size());
      ER_ASSIGN_OR_RETURN(std::vector<int32_t> response, codec.Encode(response_text));
      ex.ids.insert(ex.ids.end(), response.begin(), response.end());
      if (!codec.chat_template && options.append_eos && eos) ex.ids.push_back(*eos);
    }
    if (static_cast<int64_t>(ex.ids.size()) > options.max_tokens) ex.ids.resize(options.max_tokens);
    if (static_cast<int64_t>(ex.ids.size()) <= std::max<int64_t>(ex.response_start, 1)) {
      return InvalidArgument("no response tokens remain within " +
                             std::to_string(options.max_tokens) + " tokens (--max-tokens)");
    }
    examples.push_back(std::move(ex));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (examples.empty()) return InvalidArgument(path + ": the dataset has no usable rows");
  return examples;
}

Result<std::vector<ProblemRow>> LoadProblemsJsonl(const std::string& path, bool skip_bad_rows,
                                                  LoadReport* report) {
  std::vector<ProblemRow> rows;
  Status st = ForEachJsonRow(path, skip_bad_rows, report, [&](int64_t line, const json& row) -> Status {
    ProblemRow r;
    r.line = line;
    const char* key = row.contains("problem") ? "problem" : row.contains("question") ? "question" : "prompt";
    ER_ASSIGN_OR_RETURN(r.problem, StringField(row, key));
    if (row.contains("answer")) {
      if (row["answer"].is_string()) r.answer = row["answer"].get<std::string>();
      else if (row["answer"].is_number()) r.answer = row["answer"].dump();
      else return InvalidArgument("field 'answer' must be a string or a number");
    }
    if (row.contains("label")) {
      const json& l = row["label"];
      if (l.is_boolean()) r.label = l.get<bool>() ? 1.0 : 0.0;
      else if (l.is_number() && (l.get<double>() == 0 || l.get<double>() == 1)) r.label = l.get<double>();
      else return InvalidArgument("field 'label' must be 0, 1, true or false");
    }
    if (row.contains("difficulty")) {
      if (!row["difficulty"].is_number_integer()) return InvalidArgument("field 'difficulty' must be an integer");
      r.difficulty = row["difficulty"].get<int64_t>();
    }
    rows.push_back(std::move(r));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (rows.empty()) return InvalidArgument(path + ": the dataset has no usable rows");
  return rows;
}

}  // namespace edgereason::train
