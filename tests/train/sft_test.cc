// SFT end to end on a tiny random model: the eval loss falls, the runtime
// loads the adapter and computes the trainer's logits; kill -9 + --resume ends
// with the uninterrupted run's weights; 2-process data parallelism equals one
// process on the same global batch; bad inputs give clear errors.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "adapter/lora_adapter.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "model/random_model.h"
#include "runtime/engine.h"
#include "test_util.h"
#include "tokenizer/tokenizer_writer.h"
#include "train/logits_command.h"
#include "train/sft.h"

namespace edgereason::train {
namespace {

// A tiny random Qwen2 model with the byte-level ChatML tokenizer, and a
// "reverse the word" task.
struct Task {
  std::string dir, model, train, eval;
};

Task MakeTask(const std::string& name) {
  Task t;
  t.dir = test::MakeTempDir(name);
  t.model = t.dir + "/model";
  auto spec = RandomModelSpecByName("tiny");
  EXPECT_TRUE(spec.ok());
  EXPECT_TRUE(WriteRandomModel(*spec, DType::kF32, 7, t.model).ok());
  EXPECT_TRUE(WriteByteLevelTokenizer(t.model).ok());
  std::mt19937 rng(1);
  auto write = [&](const std::string& path, int n) {
    std::ofstream out(path);
    for (int i = 0; i < n; ++i) {
      std::string w;
      for (int k = 0; k < 3 + static_cast<int>(rng() % 4); ++k) w += static_cast<char>('a' + rng() % 6);
      out << R"({"prompt": "reverse )" << w << R"(", "response": ")" << std::string(w.rbegin(), w.rend()) << "\"}\n";
    }
  };
  t.train = t.dir + "/train.jsonl";
  t.eval = t.dir + "/eval.jsonl";
  write(t.train, 48);
  write(t.eval, 12);
  return t;
}

std::vector<float> Tensor(const std::string& file, const std::string& name) {
  auto f = SafetensorsFile::Open(file);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  const SafetensorsTensor* t = f->Find(name);
  EXPECT_NE(t, nullptr) << file << " " << name;
  const float* p = reinterpret_cast<const float*>(t->data.data());
  return {p, p + t->NumElements()};
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 1e9;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
  return m;
}

std::string TrainCommand(const Task& t, const std::string& extra) {
  return std::string(EDGEREASON_TRAIN_PATH) + " sft --model " + t.model + " --data " + t.train +
         " --steps 12 --batch 4 --micro-batch 2 --lr 3e-3 --rank 4 --threads 1 --no-progress " + extra;
}

TEST(TrainSft, LowersEvalLossAndRuntimeLogitsEqualTrainers) {
  Task t = MakeTask("train-sft");
  SftOptions o;
  o.model_dir = t.model;
  o.data_path = t.train;
  o.eval_path = t.eval;
  o.out_dir = t.dir + "/adapter";
  o.lora.rank = 8;
  o.loop.steps = 25;
  o.loop.batch_size = 8;
  o.loop.lr = 3e-3;
  o.loop.progress = false;
  o.threads = 1;
  o.json = true;
  testing::internal::CaptureStdout();
  Status st = RunSft(o);
  const std::string report = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(st.ok()) << st.ToString();
  const auto j = nlohmann::json::parse(report);
  std::printf("sft eval loss %.4f -> %.4f\n", j["initial_eval_loss"].get<double>(), j["final_eval_loss"].get<double>());
  EXPECT_LT(j["final_eval_loss"].get<double>(), 0.8 * j["initial_eval_loss"].get<double>());

  // The runtime: base prefill of the prompt, adapter from position 5 on.
  auto model = Model::Load(t.model);
  ASSERT_TRUE(model.ok());
  auto adapter = LoraAdapter::Load(o.out_dir, (*model)->adapter_shape());
  ASSERT_TRUE(adapter.ok()) << adapter.status().ToString();
  auto engine = Engine::Create(*model, {});
  ASSERT_TRUE(engine.ok());
  auto id = (*engine)->AddAdapter(*adapter);
  ASSERT_TRUE(id.ok());
  const std::vector<int32_t> ids = {257, 117, 115, 101, 114, 10, 114, 101, 118, 32, 97, 98};
  const int32_t seq = (*engine)->AddSequence();
  ASSERT_TRUE((*engine)->SetAdapter(seq, *id, 5).ok());
  ForwardOutput out;
  ASSERT_TRUE((*engine)->Prefill(seq, ids, /*all_logits=*/true, &out).ok());

  LogitsOptions lo;
  lo.model_dir = t.model;
  lo.lora_dir = o.out_dir;
  lo.lora_start = 5;
  lo.ids = ids;
  lo.out_path = t.dir + "/trainer_logits.safetensors";
  ASSERT_TRUE(RunLogits(lo).ok());
  const double diff = MaxAbsDiff(Tensor(lo.out_path, "logits"), out.logits);
  std::printf("runtime vs trainer logits max |diff| %.3g\n", diff);
  EXPECT_LT(diff, 1e-4);
}

TEST(TrainSft, KillNineAndResumeEqualsUninterrupted) {
  Task t = MakeTask("train-resume");
  const std::string full = t.dir + "/full", resumed = t.dir + "/resumed", ckpt = t.dir + "/ckpt";
  ASSERT_EQ(test::RunCommand(TrainCommand(t, "--dropout 0.1 --out " + full), true).exit_code, 0);
  // Start, kill -9 once a checkpoint exists, then resume until the end.
  const std::string cmd = TrainCommand(t, "--dropout 0.1 --save-every 1 --checkpoint-dir " + ckpt + " --out " + resumed);
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " > /dev/null 2>&1").c_str(), nullptr);
    _exit(127);
  }
  // Kill as soon as the first checkpoint lands: 11 steps (each writing a
  // checkpoint) remain, so the run cannot have finished.
  for (int i = 0; i < 30000 && !std::filesystem::exists(ckpt + "/state.json"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_FALSE(std::filesystem::exists(resumed + "/adapter_model.safetensors")) << "finished before the kill";
  auto rerun = test::RunCommand(cmd + " --resume", true);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  auto a = SafetensorsFile::Open(full + "/adapter_model.safetensors");
  auto b = SafetensorsFile::Open(resumed + "/adapter_model.safetensors");
  ASSERT_TRUE(a.ok() && b.ok());
  for (const SafetensorsTensor& x : a->tensors()) {
    const SafetensorsTensor* y = b->Find(x.name);
    ASSERT_NE(y, nullptr);
    EXPECT_TRUE(std::equal(x.data.begin(), x.data.end(), y->data.begin(), y->data.end())) << x.name;
  }
}

TEST(TrainSft, TwoProcessDataParallelEqualsOneProcess) {
  Task t = MakeTask("train-dp");
  const std::string one = t.dir + "/one", two = t.dir + "/two";
  ASSERT_EQ(test::RunCommand(TrainCommand(t, "--out " + one), true).exit_code, 0);
  auto r = test::RunCommand(TrainCommand(t, "--nproc 2 --out " + two), true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto a = SafetensorsFile::Open(one + "/adapter_model.safetensors");
  auto b = SafetensorsFile::Open(two + "/adapter_model.safetensors");
  ASSERT_TRUE(a.ok() && b.ok());
  double worst = 0;
  for (const SafetensorsTensor& x : a->tensors()) {
    const float* p = reinterpret_cast<const float*>(x.data.data());
    const SafetensorsTensor* y = b->Find(x.name);
    ASSERT_NE(y, nullptr);
    const float* q = reinterpret_cast<const float*>(y->data.data());
    for (int64_t i = 0; i < x.NumElements(); ++i) worst = std::max(worst, double(std::abs(p[i] - q[i])));
  }
  std::printf("2-process vs 1-process adapter max |diff| %.3g\n", worst);
  EXPECT_LT(worst, 1e-5);
}

TEST(TrainSft, BadInputsGiveClearErrors) {
  Task t = MakeTask("train-bad");
  {
    std::ofstream(t.dir + "/bad.jsonl") << R"({"prompt": "a", "response": "b"})" "\n"
                                        << "{not json\n"
                                        << R"({"prompt": 3, "response": "b"})" "\n";
  }
  auto r = test::RunCommand(std::string(EDGEREASON_TRAIN_PATH) + " sft --model " + t.model +
                                " --data " + t.dir + "/bad.jsonl --out " + t.dir + "/o --steps 1",
                            true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bad.jsonl:2: not valid JSON"), std::string::npos) << r.output;
  r = test::RunCommand(std::string(EDGEREASON_TRAIN_PATH) + " sft --model " + t.model + " --data " +
                           t.dir + "/bad.jsonl --skip-bad-rows --out " + t.dir + "/o --steps 1 --batch 1 --threads 1",
                       true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("bad.jsonl:3: field 'prompt' must be a string"), std::string::npos) << r.output;

  std::ofstream(t.dir + "/empty.jsonl") << "\n";
  r = test::RunCommand(std::string(EDGEREASON_TRAIN_PATH) + " sft --model " + t.model + " --data " +
                           t.dir + "/empty.jsonl --out " + t.dir + "/o --steps 1", true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no usable rows"), std::string::npos) << r.output;

  std::ofstream(t.dir + "/fail.jinja") << "{{ raise_exception('no system role here') }}";
  r = test::RunCommand(std::string(EDGEREASON_TRAIN_PATH) + " sft --model " + t.model + " --data " +
                           t.train + " --template " + t.dir + "/fail.jinja --out " + t.dir + "/o --steps 1", true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no system role here"), std::string::npos) << r.output;

  // An adapter for another base: the fixture adapter on the tiny model.
  r = test::RunCommand(std::string(EDGEREASON_TRAIN_PATH) + " sft --model " + t.model + " --data " +
                           t.train + " --init-adapter " +
                           test::SharedPath("fixtures/hf-reference/qwen2-tied/adapter_lora") +
                           " --out " + t.dir + "/o --steps 1", true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("adapter"), std::string::npos) << r.output;
  std::printf("%s", r.output.c_str());
}

}  // namespace
}  // namespace edgereason::train
