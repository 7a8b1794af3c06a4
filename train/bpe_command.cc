#include "train/bpe_command.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "base/file.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_writer.h"
#include "tokenizer/unicode_text.h"
#include "train/bpe_trainer.h"

namespace edgereason::train {
namespace {

// The documents of one input file: every line's chosen fields for .jsonl,
// else the whole file.
Status ReadDocuments(const std::string& path, const std::vector<std::string>& fields,
                     std::vector<std::string>& docs) {
  ER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  if (!path.ends_with(".jsonl")) {
    docs.push_back(std::move(text));
    return Status::Ok();
  }
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const std::string where = path + ":" + std::to_string(line_no);
    if (!row.is_object()) return InvalidArgument(where + ": not a JSON object");
    for (const std::string& f : fields) {
      auto it = row.find(f);
      if (it == row.end()) continue;
      if (it->is_string()) {
        docs.push_back(it->get<std::string>());
      } else if (it->is_array()) {  // chat messages
        for (const auto& m : *it) {
          if (m.is_object() && m.contains("content") && m["content"].is_string()) {
            docs.push_back(m["content"].get<std::string>());
          }
        }
      } else {
        return InvalidArgument(where + ": field '" + f + "' is neither text nor messages");
      }
    }
  }
  return Status::Ok();
}

// Counts the pre-tokenized pieces of one document, special tokens cut out.
Status CountWords(const std::string& doc, const std::vector<std::string>& specials,
                  const RegexPreTokenizer& split, std::unordered_map<std::string, int64_t>& words) {
  if (!IsValidUtf8(doc)) return InvalidArgument("a document is not valid UTF-8");
  ER_ASSIGN_OR_RETURN(std::string text, NfcNormalize(doc));
  std::vector<std::string_view> stretches = {text};
  for (const std::string& s : specials) {
    std::vector<std::string_view> next;
    for (std::string_view v : stretches) {
      size_t at;
      while ((at = v.find(s)) != std::string_view::npos) {
        next.push_back(v.substr(0, at));
        v.remove_prefix(at + s.size());
      }
      next.push_back(v);
    }
    stretches = std::move(next);
  }
  std::vector<std::string_view> pieces;
  for (std::string_view v : stretches) {
    if (v.empty()) continue;
    pieces.clear();
    ER_RETURN_IF_ERROR(split.Split(v, pieces));
    for (std::string_view p : pieces) ++words[std::string(p)];
  }
  return Status::Ok();
}

Status WriteFiles(const BpeOptions& o, const BpeTrainResult& r) {
  ByteLevelBpeSpec spec;
  spec.token_bytes = r.bytes;
  for (const BpeMerge& m : r.merges) spec.merges.emplace_back(m.left, m.right);
  spec.special_tokens = o.special_tokens;
  spec.eos_token = o.eos_token;
  spec.pad_token = o.pad_token;
  spec.model_max_length = o.model_max_length;
  return WriteByteLevelBpeTokenizer(o.out_dir, spec);
}

}  // namespace

Status RunBpe(const BpeOptions& o, BpeReport* report) {
  if (o.inputs.empty()) return InvalidArgument("bpe: no input files");
  const int64_t fixed = 256 + static_cast<int64_t>(o.special_tokens.size());
  if (o.vocab_size < fixed) {
    return InvalidArgument("--vocab-size " + std::to_string(o.vocab_size) + " is below the " +
                           std::to_string(fixed) + " byte and special tokens");
  }
  for (const std::string& s : {o.eos_token, o.pad_token}) {
    if (!s.empty() && std::find(o.special_tokens.begin(), o.special_tokens.end(), s) == o.special_tokens.end()) {
      return InvalidArgument("'" + s + "' is not among the special tokens");
    }
  }
  std::vector<std::string> docs;
  for (const std::string& path : o.inputs) ER_RETURN_IF_ERROR(ReadDocuments(path, o.fields, docs));
  if (docs.empty()) return InvalidArgument("bpe: the inputs hold no text (fields: check --field)");
  ER_ASSIGN_OR_RETURN(auto split, RegexPreTokenizer::Create(kQwen2SplitPattern, false, "bpe"));
  std::unordered_map<std::string, int64_t> words;
  BpeReport rep;
  for (const std::string& d : docs) {
    ER_RETURN_IF_ERROR(CountWords(d, o.special_tokens, *split, words));
    rep.corpus_bytes += static_cast<int64_t>(d.size());
  }
  const BpeTrainResult r = TrainBpe(words, o.vocab_size - fixed, o.min_frequency);
  ER_RETURN_IF_ERROR(WriteFiles(o, r));

  // Encode the corpus with what was written: proves the runtime loads it and
  // gives the compression figure.
  ER_ASSIGN_OR_RETURN(auto tok, Tokenizer::LoadFromDirectory(o.out_dir));
  for (const std::string& d : docs) {
    ER_ASSIGN_OR_RETURN(auto ids, tok->Encode(d, /*parse_special=*/true));
    rep.corpus_tokens += static_cast<int64_t>(ids.size());
  }
  rep.documents = static_cast<int64_t>(docs.size());
  rep.distinct_words = static_cast<int64_t>(words.size());
  rep.merges = static_cast<int64_t>(r.merges.size());
  rep.vocab_size = tok->vocab_size();
  if (report != nullptr) *report = rep;
  if (o.json) {
    nlohmann::ordered_json j = {{"documents", rep.documents},   {"corpus_bytes", rep.corpus_bytes},
                                {"distinct_words", rep.distinct_words}, {"merges", rep.merges},
                                {"vocab_size", rep.vocab_size}, {"corpus_tokens", rep.corpus_tokens},
                                {"bytes_per_token", double(rep.corpus_bytes) / std::max<int64_t>(rep.corpus_tokens, 1)},
                                {"out", o.out_dir}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%lld merges, vocab %lld, %lld bytes -> %lld tokens (%.2f bytes/token); wrote %s\n",
                (long long)rep.merges, (long long)rep.vocab_size, (long long)rep.corpus_bytes,
                (long long)rep.corpus_tokens,
                double(rep.corpus_bytes) / std::max<int64_t>(rep.corpus_tokens, 1), o.out_dir.c_str());
  }
  return Status::Ok();
}

}  // namespace edgereason::train
