#include "reasoning/parallel_streams.h"

#include <algorithm>
#include <chrono>

#include "reasoning/stream_confidence.h"

namespace edgereason {
namespace {

enum class StreamState { kPending, kDecoding, kVerifying, kFinished };

struct Stream {
  int32_t seq = -1;
  Sampler sampler;
  BudgetTracker tracker;
  std::vector<int32_t> history;  // prompt + generated, for the repetition penalty
  std::vector<float> logits;     // [vocab] for the next sample
  StreamState state = StreamState::kDecoding;
  StreamResult result;
  size_t next_branch = 0;        // index into the sorted branch caps
};

// What one output row of a Decode step belongs to.
struct OutputSlot {
  size_t stream;
  bool verification;
};

class StreamRunner {
 public:
  StreamRunner(Engine& engine, const Tokenizer* tokenizer, const ParallelStreamsConfig& config)
      : engine_(engine), tokenizer_(tokenizer), config_(config),
        vocab_(engine.model().config().vocab_size),
        logprobs_(config.logprobs ||
                  (config.verifier != nullptr && config.verifier->reads_confidence())) {
    branch_caps_ = config.branch_caps;
    std::sort(branch_caps_.begin(), branch_caps_.end());
    branch_caps_.erase(std::unique(branch_caps_.begin(), branch_caps_.end()), branch_caps_.end());
    std::erase_if(branch_caps_, [&](int64_t c) { return c < 1 || c >= config.budget.cap; });
  }
  ~StreamRunner() {
    for (const Stream& s : streams_) {
      if (s.seq >= 0) (void)engine_.FreeSequence(s.seq);
    }
  }

  // Creates every main stream (pending) and starts the first wave. `root`,
  // its logits and history must stay valid until Run returns.
  Status Start(int32_t root, std::span<const float> root_logits, std::span<const int32_t> history) {
    root_ = root;
    root_logits_ = root_logits;
    history_ = history;
    for (int i = 0; i < config_.streams; ++i) {
      SamplingParams p = config_.sampling;
      p.seed += static_cast<uint64_t>(i);
      streams_.push_back(Stream{-1, Sampler(p), BudgetTracker(config_.budget, tokenizer_, config_.thinking),
                                {}, {}, StreamState::kPending, StreamResult{}, 0});
      streams_.back().result.index = i;
    }
    return StartNextWave();
  }

  Status Run(const StreamFinishedCallback& on_finished, ParallelStreamsStats* stats) {
    on_finished_ = &on_finished;
    start_ = std::chrono::steady_clock::now();
    std::vector<size_t> branch_from;  // streams to fork a capped copy of after this step
    while (true) {
      if (stop_requested_) EndMainStreamsEarly();
      ER_RETURN_IF_ERROR(StartNextWave());
      rows_.clear();
      slots_.clear();
      branch_from.clear();
      for (size_t i = 0; i < streams_.size(); ++i) {
        if (streams_[i].state != StreamState::kDecoding) continue;
        if (stop_requested_ && streams_[i].result.branch_cap == 0) continue;  // ends next step
        ER_RETURN_IF_ERROR(Advance(i, branch_from));
      }
      if (rows_.empty()) {
        if (!stop_requested_ && !AnyPending()) break;
        continue;  // stop the rest, or start the next wave, at the top
      }
      ForwardOutput out;
      ER_RETURN_IF_ERROR(engine_.Decode(rows_, &out));
      ++stats->steps;
      stats->peak_kv_bytes = std::max(stats->peak_kv_bytes, engine_.kv_cache().BytesInUse());
      const int64_t hidden = engine_.model().config().hidden_size;
      for (size_t r = 0; r < slots_.size(); ++r) {
        Stream& s = streams_[slots_[r].stream];
        if (!slots_[r].verification) {
          std::copy_n(out.logits.data() + r * vocab_, vocab_, s.logits.data());
          continue;
        }
        s.result.score = config_.verifier->Score(
            {out.final_hidden.data() + r * hidden, static_cast<size_t>(hidden)},
            ConfidenceFeatures(s.result.sampled_logprobs));
        Finish(slots_[r].stream);
      }
      for (size_t i : branch_from) ER_RETURN_IF_ERROR(ForkCappedCopy(i));
    }
    stats->seconds = Seconds();
    return Status::Ok();
  }

  std::vector<StreamResult> Results() const {
    std::vector<StreamResult> results;
    for (const Stream& s : streams_) results.push_back(s.result);
    return results;
  }

  int64_t verification_rows() const { return verification_rows_; }

 private:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  bool AnyPending() const {
    return std::any_of(streams_.begin(), streams_.end(),
                       [](const Stream& s) { return s.state == StreamState::kPending; });
  }

  bool MainStreamsRunning() const {
    return std::any_of(streams_.begin(), streams_.end(), [](const Stream& s) {
      return s.result.branch_cap == 0 &&
             (s.state == StreamState::kDecoding || s.state == StreamState::kVerifying);
    });
  }

  // Forks the next `wave` pending main streams from the root (all of them
  // when wave is 0), and the wave after it while a wave ends at once (a cap
  // of no tokens); nothing when none is pending.
  Status StartNextWave() {
    while (!MainStreamsRunning()) {
      ER_ASSIGN_OR_RETURN(const bool started, StartWave());
      if (!started) break;
    }
    return Status::Ok();
  }

  Result<bool> StartWave() {
    std::vector<size_t> wave;
    for (size_t i = 0; i < static_cast<size_t>(config_.streams); ++i) {
      if (streams_[i].state != StreamState::kPending) continue;
      wave.push_back(i);
      if (config_.wave > 0 && wave.size() == static_cast<size_t>(config_.wave)) break;
    }
    if (wave.empty()) return false;
    ER_ASSIGN_OR_RETURN(std::vector<int32_t> seqs, engine_.Fork(root_, static_cast<int>(wave.size())));
    for (size_t k = 0; k < wave.size(); ++k) {
      Stream& s = streams_[wave[k]];
      s.seq = seqs[k];
      s.history.assign(history_.begin(), history_.end());
      s.logits.assign(root_logits_.begin(), root_logits_.end());
      s.state = StreamState::kDecoding;
      if (s.tracker.phase() == BudgetTracker::Phase::kDone) {
        s.result.stop_reason = "length";
        s.state = StreamState::kFinished;
        (void)engine_.FreeSequence(s.seq);
        s.seq = -1;
      }
    }
    return true;
  }

  bool IsStop(int32_t token) const {
    return std::find(config_.stop_token_ids.begin(), config_.stop_token_ids.end(), token) !=
           config_.stop_token_ids.end();
  }

  // Picks stream i's next token, and queues its decode row or, when it is
  // done, its verification rows.
  Status Advance(size_t i, std::vector<size_t>& branch_from) {
    Stream& s = streams_[i];
    const bool forcing = s.tracker.phase() == BudgetTracker::Phase::kForcing;
    const bool was_thinking = s.tracker.phase() == BudgetTracker::Phase::kThinking;
    int32_t token = 0;
    if (forcing) {
      token = s.tracker.NextForced();
    } else if (!logprobs_) {
      token = s.sampler.Sample(s.logits, s.history);  // the logits are replaced after this step
    } else {
      const SampledToken sampled = s.sampler.SampleWithLogProb(s.logits, s.history);
      token = sampled.id;
      s.result.sampled_logprobs.push_back(sampled.logprob);
    }
    s.result.tokens.push_back(token);
    s.history.push_back(token);
    ER_RETURN_IF_ERROR(s.tracker.Push(token));
    s.result.forced = s.tracker.forced_cap();
    const int64_t length = engine_.SequenceLength(s.seq);
    if (!forcing && IsStop(token)) {
      s.result.stop_reason = "stop_token";
    } else if (s.tracker.phase() == BudgetTracker::Phase::kDone) {
      s.result.stop_reason = "length";
    } else if (length + 1 >= engine_.context_size()) {
      s.result.stop_reason = "context";
    } else {
      rows_.push_back({s.seq, static_cast<int32_t>(length), token, true});
      slots_.push_back({i, false});
      if (s.result.branch_cap == 0 && was_thinking &&
          s.tracker.phase() == BudgetTracker::Phase::kThinking &&
          s.next_branch < branch_caps_.size() &&
          s.tracker.generated() == branch_caps_[s.next_branch]) {
        ++s.next_branch;
        branch_from.push_back(i);
      }
      return Status::Ok();
    }
    // Done: verify with [last token + verification prompt] when there is room.
    const int64_t needed = 1 + static_cast<int64_t>(config_.verification_tokens.size());
    if (config_.verifier == nullptr || config_.verification_tokens.empty() ||
        length + needed > engine_.context_size()) {
      Finish(i);
      return Status::Ok();
    }
    s.state = StreamState::kVerifying;
    for (int64_t k = 0; k < needed; ++k) {
      const int32_t t = k == 0 ? token : config_.verification_tokens[k - 1];
      rows_.push_back({s.seq, static_cast<int32_t>(length + k), t, k + 1 == needed});
    }
    slots_.push_back({i, true});
    verification_rows_ += needed;
    return Status::Ok();
  }

  // Marks stream i finished and tells the caller, who may ask to stop early.
  // Streams whose rows are already queued this step end after it.
  void Finish(size_t i) {
    Stream& s = streams_[i];
    s.state = StreamState::kFinished;
    s.result.finish_seconds = Seconds();
    (void)engine_.FreeSequence(s.seq);
    s.seq = -1;
    if (s.result.branch_cap == 0 && *on_finished_ && (*on_finished_)(s.result)) {
      stop_requested_ = true;
    }
  }

  // Forks stream i where it stands (its latest token is in the cache) into a
  // copy that is forced to answer now.
  Status ForkCappedCopy(size_t i) {
    if (streams_[i].state != StreamState::kDecoding) return Status::Ok();
    ER_ASSIGN_OR_RETURN(std::vector<int32_t> child, engine_.Fork(streams_[i].seq, 1));
    Stream copy = streams_[i];
    copy.seq = child[0];
    copy.result.branch_cap = copy.tracker.generated();
    ER_RETURN_IF_ERROR(copy.tracker.ForceAnswer());
    copy.result.forced = true;
    streams_.push_back(std::move(copy));
    return Status::Ok();
  }

  void EndMainStreamsEarly() {
    stop_requested_ = false;
    for (Stream& s : streams_) {
      if (s.result.branch_cap != 0 || s.state == StreamState::kFinished) continue;
      s.result.stop_reason = "early_stop";
      s.result.score.reset();
      s.state = StreamState::kFinished;
      s.result.finish_seconds = Seconds();
      if (s.seq >= 0) (void)engine_.FreeSequence(s.seq);
      s.seq = -1;
    }
  }

  Engine& engine_;
  const Tokenizer* tokenizer_;
  const ParallelStreamsConfig& config_;
  int64_t vocab_;
  bool logprobs_;  // record sampled_logprobs
  std::vector<int64_t> branch_caps_;
  std::vector<Stream> streams_;
  std::vector<TokenRow> rows_;
  std::vector<OutputSlot> slots_;
  int64_t verification_rows_ = 0;
  int32_t root_ = -1;
  std::span<const float> root_logits_;   // [vocab]
  std::span<const int32_t> history_;
  const StreamFinishedCallback* on_finished_ = nullptr;
  bool stop_requested_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

Result<std::vector<StreamResult>> DecodeParallelStreams(
    Engine& engine, const Tokenizer* tokenizer, int32_t root, std::span<const float> root_logits,
    std::span<const int32_t> history, const ParallelStreamsConfig& config,
    const StreamFinishedCallback& on_finished, ParallelStreamsStats* stats) {
  if (config.streams < 1 || config.streams > 1024) {
    return InvalidArgument("parallel streams: the number of streams must be in [1, 1024], got " +
                           std::to_string(config.streams));
  }
  if (config.wave < 0) {
    return InvalidArgument("parallel streams: the wave size must not be negative, got " +
                           std::to_string(config.wave));
  }
  if (static_cast<int64_t>(root_logits.size()) != engine.model().config().vocab_size) {
    return InvalidArgument("parallel streams: the root logits do not match the vocabulary");
  }
  ER_RETURN_IF_ERROR(ValidateBudgetConfig(config.budget));
  if (config.verifier != nullptr &&
      config.verifier->hidden_size() != engine.model().config().hidden_size) {
    return InvalidArgument("the verifier head expects hidden size " +
                           std::to_string(config.verifier->hidden_size()) + " but the model has " +
                           std::to_string(engine.model().config().hidden_size));
  }
  ParallelStreamsStats local;
  if (stats == nullptr) stats = &local;
  StreamRunner runner(engine, tokenizer, config);
  ER_RETURN_IF_ERROR(runner.Start(root, root_logits, history));
  ER_RETURN_IF_ERROR(runner.Run(on_finished, stats));
  stats->verification_rows = runner.verification_rows();
  return runner.Results();
}

}  // namespace edgereason
