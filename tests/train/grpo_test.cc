// GRPO mechanics on a tiny random model (no learning is shown here): the
// reward by hand-computed values, group advantages, an update that changes
// the runtime's adapter to exactly the trainer's weights, the per-step log,
// and a stopped-and-resumed run that equals an uninterrupted one.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "base/file.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "model/random_model.h"
#include "test_util.h"
#include "tokenizer/tokenizer_writer.h"
#include "train/distributed.h"
#include "train/grpo.h"

namespace edgereason::train {
namespace {

TEST(TrainGrpo, SoftBarrierRewardByHand) {
  const BarrierConfig c{.window = 0.2, .floor = 0.0};
  // B = 1000, m = 0.2: full up to 800, linear to 0 at 1200.
  EXPECT_DOUBLE_EQ(SoftBarrier(700, 1000, c), 1.0);
  EXPECT_DOUBLE_EQ(SoftBarrier(800, 1000, c), 1.0);
  EXPECT_DOUBLE_EQ(SoftBarrier(1000, 1000, c), 0.5);
  EXPECT_DOUBLE_EQ(SoftBarrier(1100, 1000, c), 0.25);
  EXPECT_DOUBLE_EQ(SoftBarrier(1200, 1000, c), 0.0);
  EXPECT_DOUBLE_EQ(SoftBarrier(5000, 1000, c), 0.0);
  const BarrierConfig p{.window = 0.1, .floor = 0.2};
  // B = 3000, m = 0.1: full up to 2700, linear to 0.2 at 3300.
  EXPECT_NEAR(SoftBarrier(3000, 3000, p), 0.6, 1e-12);
  EXPECT_NEAR(SoftBarrier(3150, 3000, p), 0.4, 1e-12);
  EXPECT_DOUBLE_EQ(SoftBarrier(9000, 3000, p), 0.2);
  EXPECT_NEAR(BudgetReward(true, 3000, 3000, p), 0.6, 1e-12);
  EXPECT_DOUBLE_EQ(BudgetReward(false, 10, 3000, p), 0.0);
}

TEST(TrainGrpo, GroupAdvantagesAndZeroVarianceGroups) {
  const std::vector<double> a = GroupAdvantages({1, 0, 0, 1}, 0.0);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_DOUBLE_EQ(a[0], 1.0);
  EXPECT_DOUBLE_EQ(a[1], -1.0);
  const std::vector<double> b = GroupAdvantages({0.5, 0, 0, 0}, 0.0);  // mean 0.125, sd 0.2165
  EXPECT_NEAR(b[0], 0.375 / std::sqrt(0.046875), 1e-12);
  EXPECT_TRUE(GroupAdvantages({0.3, 0.3, 0.3}).empty());
  EXPECT_TRUE(GroupAdvantages({0, 0}).empty());
}

TEST(TrainGrpo, UnscaledAdvantagesKeepTheRewardsScale) {
  // Dr. GRPO: r − mean. Lengths alone (all right, rewards 1 and 0.9) give
  // ±0.05, where the std scaling makes them ±1.
  const std::vector<double> a = GroupAdvantages({1, 0.9, 1, 0.9}, 1e-4, RewardScaling::kNone);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_NEAR(a[0], 0.05, 1e-12);
  EXPECT_NEAR(a[1], -0.05, 1e-12);
  EXPECT_NEAR(GroupAdvantages({1, 0.9, 1, 0.9}, 0.0)[0], 1.0, 1e-12);
  const std::vector<double> b = GroupAdvantages({0.5, 0, 0, 0}, 1e-4, RewardScaling::kNone);
  EXPECT_NEAR(b[0], 0.375, 1e-12);
  EXPECT_NEAR(b[3], -0.125, 1e-12);
  EXPECT_TRUE(GroupAdvantages({0.3, 0.3, 0.3}, 1e-4, RewardScaling::kNone).empty());
}

struct Tiny {
  std::string dir, model, data;
};

Tiny MakeTiny() {
  Tiny t;
  t.dir = test::MakeTempDir("train-grpo");
  t.model = t.dir + "/model";
  auto spec = RandomModelSpecByName("tiny");
  EXPECT_TRUE(spec.ok());
  EXPECT_TRUE(WriteRandomModel(*spec, DType::kF32, 7, t.model).ok());
  EXPECT_TRUE(WriteByteLevelTokenizer(t.model).ok());
  t.data = t.dir + "/problems.jsonl";
  std::ofstream out(t.data);
  for (int i = 0; i < 4; ++i) out << R"({"problem": "add )" << i << R"( and 1", "answer": ")" << i + 1 << "\"}\n";
  return t;
}

GrpoOptions SmallRun(const Tiny& t) {
  GrpoOptions o;
  o.model_dir = t.model;
  o.data_path = t.data;
  o.out_dir = t.dir + "/adapter";
  o.lora.rank = 4;
  o.group = 4;
  o.prompts_per_step = 2;
  o.max_new_tokens = 6;
  o.buckets = {4, 8};
  o.lr = 1e-2;
  o.threads = 1;
  o.progress = false;
  // A random model never solves the problems: reward the parity of the
  // decoded length instead, which splits the groups of these seeds.
  o.correctness = [](const ProblemRow&, const std::string& text) {
    return text.size() % 2 == 0;
  };
  return o;
}

// SmallRun for `steps` steps writing the adapter to DIR/name and its log to DIR/name.jsonl.
GrpoOptions NamedRun(const Tiny& t, int64_t steps, const std::string& name) {
  GrpoOptions o = SmallRun(t);
  o.steps = steps;
  o.out_dir = t.dir + "/" + name;
  o.log_path = t.dir + "/" + name + ".jsonl";
  return o;
}

// Last-token logits [vocab] of the runtime with the trainer's adapter on.
std::vector<float> RuntimeLogits(GrpoTrainer& t, const std::vector<int32_t>& ids) {
  Engine& e = t.engine();
  const int32_t seq = e.AddSequence();
  EXPECT_TRUE(e.SetAdapter(seq, t.adapter_id(), 0).ok());
  ForwardOutput out;
  EXPECT_TRUE(e.Prefill(seq, ids, false, &out).ok());
  EXPECT_TRUE(e.FreeSequence(seq).ok());
  return std::vector<float>(out.logits.end() - t.model().config().vocab_size, out.logits.end());
}

TEST(TrainGrpo, UpdateRefreshesTheRuntimeAdapterWithTheTrainersWeights) {
  const Tiny tiny = MakeTiny();
  auto trainer = GrpoTrainer::Create(SmallRun(tiny));
  ASSERT_TRUE(trainer.ok()) << trainer.status().ToString();
  GrpoTrainer& t = **trainer;
  const std::vector<int32_t> ids = {257, 117, 115, 101, 114, 10, 97, 98, 99};
  const std::vector<float> before = RuntimeLogits(t, ids);

  auto step = t.Step();
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  ASSERT_GT(step->groups_kept, 0);
  EXPECT_EQ(step->rollouts, 8);
  EXPECT_NEAR(step->kl, 0.0, 1e-6);            // one update from the reference: no divergence yet
  EXPECT_EQ(step->clip_fraction, 0.0);          // ρ = 1 on the first update
  const std::vector<float> after = RuntimeLogits(t, ids);
  double changed = 0;
  for (size_t i = 0; i < before.size(); ++i) changed = std::max(changed, double(std::abs(after[i] - before[i])));
  EXPECT_GT(changed, 1e-4);

  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end())).unsqueeze(0);
  const ForwardResult f = Forward(t.model(), x, AdapterUse{&t.lora(), {}, false, c10::nullopt});
  const torch::Tensor last = f.logits[0][static_cast<int64_t>(ids.size()) - 1].contiguous();
  double worst = 0;
  for (size_t i = 0; i < after.size(); ++i) worst = std::max(worst, std::abs(double(after[i]) - last[i].item<double>()));
  std::printf("runtime logits moved by %.3g; runtime vs trainer after the update %.2e\n", changed, worst);
  EXPECT_LT(worst, 1e-4);

  // The second step's rollouts come from the updated policy; KL is now positive.
  auto step2 = t.Step();
  ASSERT_TRUE(step2.ok());
  if (step2->groups_kept > 0) {
    EXPECT_GT(step2->kl, 0.0);
  }
}

TEST(TrainGrpo, LogsEveryStepAndWritesTheAdapter) {
  const Tiny tiny = MakeTiny();
  GrpoOptions o = SmallRun(tiny);
  o.steps = 2;
  o.inner_steps = 2;
  o.log_path = tiny.dir + "/log.jsonl";
  testing::internal::CaptureStdout();
  const Status st = RunGrpo(o);
  testing::internal::GetCapturedStdout();
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::ifstream in(o.log_path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    for (const char* k : {"step", "reward", "accuracy", "mean_length", "over_budget", "kl", "clip_fraction",
                          "groups_kept"}) {
      EXPECT_TRUE(j.contains(k)) << k;
    }
    EXPECT_GE(j["reward"].get<double>(), 0.0);
    EXPECT_LE(j["over_budget"].get<double>(), 1.0);
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  auto model = Model::Load(tiny.model);
  ASSERT_TRUE(model.ok());
  EXPECT_TRUE(LoraAdapter::Load(o.out_dir, (*model)->adapter_shape()).ok());
}

// The adapter's tensors, in the order of its safetensors file.
std::vector<float> AdapterValues(const std::string& dir) {
  auto file = SafetensorsFile::Open(dir + "/adapter_model.safetensors");
  EXPECT_TRUE(file.ok());
  std::vector<float> all;
  if (!file.ok()) return all;
  for (const SafetensorsTensor& t : file->tensors()) {
    const auto v = test::F32Values(t);
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

TEST(TrainGrpo, StoppedAndResumedEqualsUninterrupted) {
  const Tiny tiny = MakeTiny();
  const GrpoOptions straight = NamedRun(tiny, 4, "straight");
  testing::internal::CaptureStdout();
  ASSERT_TRUE(RunGrpo(straight).ok());

  GrpoOptions part = SmallRun(tiny);
  part.out_dir = tiny.dir + "/resumed";
  part.log_path = tiny.dir + "/resumed.jsonl";
  part.checkpoint_dir = tiny.dir + "/ckpt";
  part.save_every = 1;
  part.resume = true;
  part.steps = 2;  // "killed" after step 2 ...
  ASSERT_TRUE(RunGrpo(part).ok());
  part.steps = 4;  // ... and resumed
  const Status st = RunGrpo(part);
  testing::internal::GetCapturedStdout();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(AdapterValues(straight.out_dir), AdapterValues(part.out_dir));
  // The same four steps were logged, with the same rewards.
  auto a = ReadFile(straight.log_path), b = ReadFile(part.log_path);
  ASSERT_TRUE(a.ok() && b.ok());
  auto rewards = [](const std::string& text) {
    std::vector<double> r;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) r.push_back(nlohmann::json::parse(line)["reward"].get<double>());
    return r;
  };
  EXPECT_EQ(rewards(*a), rewards(*b));
  EXPECT_EQ(rewards(*a).size(), 4u);

  // A checkpoint from other settings is refused, naming the setting.
  part.group = 2;
  part.steps = 5;
  const Status bad = RunGrpo(part);
  EXPECT_NE(bad.message().find("'group' is 4 but this run has 2"), std::string::npos) << bad.ToString();
  part.group = 4;
  part.reward_scaling = RewardScaling::kNone;
  const Status scaled = RunGrpo(part);
  EXPECT_NE(scaled.message().find("'scale_rewards' is \"group\" but this run has \"none\""), std::string::npos)
      << scaled.ToString();
  part.reward_scaling = RewardScaling::kGroup;

  // A state.json with a mistyped field is an error naming it, not a crash.
  auto state = nlohmann::json::parse(*ReadFile(part.checkpoint_dir + "/state.json"));
  state["order"] = "not a list";
  ASSERT_TRUE(WriteFileAtomic(part.checkpoint_dir + "/state.json", state.dump()).ok());
  part.group = 4;
  const Status broken = RunGrpo(part);
  EXPECT_NE(broken.message().find("ckpt/state.json: "), std::string::npos) << broken.ToString();
}

// Two data-parallel ranks (threads of this process meeting through a file)
// deal out each step's prompts, sum their gradients, and end with the
// adapter of one process running the same steps.
TEST(TrainGrpo, TwoRankDataParallelEqualsOneProcess) {
  const Tiny tiny = MakeTiny();
  const GrpoOptions one = NamedRun(tiny, 3, "one");
  testing::internal::CaptureStdout();
  ASSERT_TRUE(RunGrpo(one).ok());
  Status status[2];
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r) {
    ranks.emplace_back([&, r] {
      auto comm = Communicator::Create(r, 2, tiny.dir + "/rendezvous");
      if (!comm.ok()) {
        status[r] = comm.status();
        return;
      }
      GrpoOptions o = NamedRun(tiny, 3, "two");
      o.communicator = comm->get();
      status[r] = RunGrpo(o);
    });
  }
  for (std::thread& t : ranks) t.join();
  testing::internal::GetCapturedStdout();
  ASSERT_TRUE(status[0].ok()) << status[0].ToString();
  ASSERT_TRUE(status[1].ok()) << status[1].ToString();
  const std::vector<float> a = AdapterValues(one.out_dir), b = AdapterValues(tiny.dir + "/two");
  ASSERT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
  std::printf("2-rank vs 1-process GRPO adapter max |diff| %.3g\n", worst);
  EXPECT_LT(worst, 1e-5);
  // The steps updated the adapter, and the ranks' logged totals are the whole step's.
  auto log_one = ReadFile(one.log_path), log_two = ReadFile(tiny.dir + "/two.jsonl");
  ASSERT_TRUE(log_one.ok() && log_two.ok());
  std::istringstream l1(*log_one), l2(*log_two);
  int kept = 0;
  for (std::string x, y; std::getline(l1, x) && std::getline(l2, y);) {
    const auto j1 = nlohmann::json::parse(x), j2 = nlohmann::json::parse(y);
    EXPECT_EQ(j1["groups_kept"], j2["groups_kept"]);
    EXPECT_NEAR(j1["reward"].get<double>(), j2["reward"].get<double>(), 1e-12);
    EXPECT_NEAR(j1["mean_length"].get<double>(), j2["mean_length"].get<double>(), 1e-12);
    kept += j1["groups_kept"].get<int>();
  }
  EXPECT_GT(kept, 0) << "no update happened: the comparison would be vacuous";
}

// `grpo --nproc N` on the command line runs N ranks (it was once parsed and
// then ignored, training in one process); the results of two ranks equal one
// process's (TwoRankDataParallelEqualsOneProcess).
TEST(TrainGrpo, CommandLineNprocStartsThatManyRanks) {
  const Tiny tiny = MakeTiny();
  for (int nproc : {1, 2}) {
    SCOPED_TRACE(nproc);
    const std::string cmd = std::string(EDGEREASON_TRAIN_PATH) + " grpo --model " + tiny.model +
                            " --data " + tiny.data + " --out " + tiny.dir + "/cli" + std::to_string(nproc) +
                            " --rank 4 --group 4 --prompts-per-step 2 --max-new-tokens 6 --buckets 4,8"
                            " --steps 1 --threads 1 --no-progress --json --nproc " + std::to_string(nproc);
    const test::CommandResult r = test::RunCommand(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto report = nlohmann::json::parse(r.output, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << r.output;
    EXPECT_EQ(report["processes"], nproc);
    EXPECT_EQ(report["threads"]["torch"], 1);  // f32 without --bf16
  }
}

// `--scale-rewards` on the command line: `none` trains, an unknown value is
// a one-line error naming the option and the choices.
TEST(TrainGrpo, CommandLineScaleRewards) {
  const Tiny tiny = MakeTiny();
  const std::string base = std::string(EDGEREASON_TRAIN_PATH) + " grpo --model " + tiny.model + " --data " +
                           tiny.data + " --out " + tiny.dir + "/scaled --rank 4 --group 4 --prompts-per-step 2"
                           " --max-new-tokens 6 --buckets 4,8 --steps 1 --threads 1 --no-progress --json";
  const test::CommandResult ok = test::RunCommand(base + " --scale-rewards none");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const test::CommandResult bad = test::RunCommand(base + " --scale-rewards std", /*merge_stderr=*/true);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--scale-rewards: std not in {group,none}"), std::string::npos) << bad.output;
}

TEST(TrainGrpo, BadOptionsAreClearErrors) {
  const Tiny tiny = MakeTiny();
  GrpoOptions o = SmallRun(tiny);
  o.group = 1;
  auto t = GrpoTrainer::Create(o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("--group"), std::string::npos);
  o = SmallRun(tiny);
  o.correctness = nullptr;
  std::ofstream(tiny.dir + "/noanswer.jsonl") << R"({"problem": "x"})" << "\n";
  o.data_path = tiny.dir + "/noanswer.jsonl";
  t = GrpoTrainer::Create(o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("answer"), std::string::npos);
}

}  // namespace
}  // namespace edgereason::train
