#include "train/head_features.h"

#include <cstdio>

#include "adapter/lora_adapter.h"
#include "model/model.h"
#include "reasoning/stream_confidence.h"
#include "runtime/engine.h"
#include "verify/answer_checker.h"

namespace edgereason::train {
namespace {

struct Runtime {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Engine> engine;
  TextCodec codec;
};

Result<Runtime> OpenRuntime(const RuntimeFeatureOptions& o) {
  Runtime r;
  ER_ASSIGN_OR_RETURN(r.model, Model::Load(o.model_dir));
  EngineOptions eo;
  eo.threads = std::max(1, o.threads);
  ER_ASSIGN_OR_RETURN(r.engine, Engine::Create(r.model, eo));
  ER_ASSIGN_OR_RETURN(r.codec, TextCodec::Load(o.model_dir, o.template_path));
  return r;
}

// The prompt ids of a question, rendered as the Reasoner renders it.
Result<std::vector<int32_t>> PromptIds(const Runtime& rt, const RuntimeFeatureOptions& o,
                                       const ProblemRow& row) {
  std::vector<ChatMessage> messages;
  if (!o.system_prompt.empty()) messages.push_back({"system", o.system_prompt});
  messages.push_back({"user", row.problem});
  auto text = rt.codec.PromptText(messages);
  if (!text.ok()) return InvalidArgument("line " + std::to_string(row.line) + ": " + text.status().message());
  ER_ASSIGN_OR_RETURN(std::vector<int32_t> ids, rt.codec.Encode(*text));
  if (ids.empty()) return InvalidArgument("line " + std::to_string(row.line) + ": empty prompt");
  return ids;
}

void Progress(bool on, const char* what, size_t done, size_t total) {
  if (on) std::fprintf(stderr, "\r%s %zu/%zu", what, done, total);
  if (on && done == total) std::fprintf(stderr, "\n");
}

// The sequence is freed however the scope is left.
struct SequenceGuard {
  Engine& engine;
  std::vector<int32_t> seqs;
  ~SequenceGuard() {
    for (int32_t s : seqs) (void)engine.FreeSequence(s);
  }
};

}  // namespace

Result<HeadData> SwitcherFeatures(const std::vector<ProblemRow>& rows, const PoolingConfig& pooling,
                                  const RuntimeFeatureOptions& o) {
  ER_ASSIGN_OR_RETURN(Runtime rt, OpenRuntime(o));
  HeadData d;
  d.dim = rt.model->config().hidden_size;
  for (size_t i = 0; i < rows.size(); ++i) {
    ER_ASSIGN_OR_RETURN(std::vector<int32_t> ids, PromptIds(rt, o, rows[i]));
    HiddenPooler pooler(d.dim, pooling);
    SequenceGuard guard{*rt.engine, {rt.engine->AddSequence()}};
    // hidden: [rows, hidden] final-norm states of one prefill chunk.
    HiddenChunkCallback on_chunk = [&](std::span<const float> hidden, int64_t n) {
      pooler.Add(hidden, n);
      return Status::Ok();
    };
    ER_RETURN_IF_ERROR(rt.engine->PrefillChunked(guard.seqs[0], ids, o.prefill_chunk, on_chunk, nullptr));
    const std::vector<float> pooled = pooler.Pooled();  // [hidden]
    d.x.insert(d.x.end(), pooled.begin(), pooled.end());
    ++d.rows;
    Progress(o.progress, "switcher features", i + 1, rows.size());
  }
  return d;
}

Result<VerifierSamples> VerifierFeatures(const std::vector<ProblemRow>& rows,
                                         const VerifierSampleOptions& s,
                                         const RuntimeFeatureOptions& o) {
  if (s.samples < 1) return InvalidArgument("--samples must be at least 1");
  ER_ASSIGN_OR_RETURN(Runtime rt, OpenRuntime(o));
  int16_t adapter = -1;
  if (!s.adapter_dir.empty()) {
    ER_ASSIGN_OR_RETURN(auto a, LoraAdapter::Load(s.adapter_dir, rt.model->adapter_shape()));
    ER_ASSIGN_OR_RETURN(adapter, rt.engine->AddAdapter(a));
  }
  const Tokenizer& tok = *rt.codec.tokenizer;
  // Stop tokens as the Reasoner takes them.
  std::vector<int32_t> stops = rt.model->generation_config().eos_token_ids;
  if (auto eos = tok.TokenToId(tok.config().eos_token); eos && !tok.config().eos_token.empty()) {
    stops.push_back(*eos);
  }
  ER_ASSIGN_OR_RETURN(std::vector<int32_t> preamble, tok.Encode(RenderPreamble(s.budget), true));
  ER_ASSIGN_OR_RETURN(std::vector<int32_t> verification, tok.Encode(s.verification_prompt, true));
  // One prompt and its rollouts, each with its verification prompt.
  rt.engine->FitKvCapacity(s.samples, s.max_new_tokens + static_cast<int64_t>(verification.size()));

  VerifierSamples out;
  const int64_t hidden = rt.model->config().hidden_size;
  out.data.dim = hidden + (s.confidence ? static_cast<int64_t>(kConfidenceFeatures) : 0);
  double generated = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].answer.empty()) {
      return InvalidArgument("line " + std::to_string(rows[i].line) + ": no \"answer\" to check rollouts against");
    }
    ER_ASSIGN_OR_RETURN(std::vector<int32_t> prompt, PromptIds(rt, o, rows[i]));
    const int64_t prompt_len = static_cast<int64_t>(prompt.size());
    prompt.insert(prompt.end(), preamble.begin(), preamble.end());

    GenerateOptions g;
    g.max_new_tokens = s.max_new_tokens;
    g.adapter = adapter;
    g.activation_start = prompt_len;  // masked LoRA: base weights on the prompt
    g.sampling = SamplingParams{.greedy = false, .temperature = s.temperature,
                                .seed = s.seed + static_cast<uint64_t>(i) * 1000003u};
    g.stop_token_ids = stops;
    g.logprobs = s.confidence;
    ER_ASSIGN_OR_RETURN(std::vector<GenerateResult> rollouts,
                        GenerateParallel(*rt.engine, prompt, g, s.samples));

    // One root holding prompt + preamble, forked per rollout: the prefix KV
    // is shared, each child adds its rollout and the verification prompt.
    SequenceGuard guard{*rt.engine, {rt.engine->AddSequence()}};
    ER_RETURN_IF_ERROR(rt.engine->SetAdapter(guard.seqs[0], adapter, prompt_len));
    ForwardOutput fo;
    ER_RETURN_IF_ERROR(rt.engine->Prefill(guard.seqs[0], prompt, false, &fo));
    ER_ASSIGN_OR_RETURN(std::vector<int32_t> children, rt.engine->Fork(guard.seqs[0], s.samples));
    guard.seqs.insert(guard.seqs.end(), children.begin(), children.end());
    for (int k = 0; k < s.samples; ++k) {
      const std::vector<int32_t>& gen = rollouts[k].tokens;
      std::vector<int32_t> tail = gen;
      tail.insert(tail.end(), verification.begin(), verification.end());
      ER_RETURN_IF_ERROR(rt.engine->Prefill(children[k], tail, false, &fo));
      // fo.final_hidden: [num_outputs, hidden]; the last row is the last token's.
      out.data.x.insert(out.data.x.end(), fo.final_hidden.end() - hidden, fo.final_hidden.end());
      if (s.confidence) {
        const ConfidenceVector c = ConfidenceFeatures(rollouts[k].logprobs);
        out.data.x.insert(out.data.x.end(), c.begin(), c.end());
      }
      const std::string answer = ReasoningAnswer(DecodeKnown(tok, gen), s.budget);
      out.data.y.push_back(CheckAnswer(rows[i].answer, answer).match ? 1.0 : 0.0);
      out.problem.push_back(static_cast<int64_t>(i));
      ++out.data.rows;
      generated += static_cast<double>(gen.size());
    }
    Progress(o.progress, "verifier rollouts", i + 1, rows.size());
  }
  out.mean_generated = out.data.rows ? generated / double(out.data.rows) : 0;
  return out;
}

}  // namespace edgereason::train
