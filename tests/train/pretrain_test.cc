// Pretraining from scratch and QAMR: a model pretrained on world rows lowers
// its eval loss and the runtime computes the trainer's logits from the files it
// wrote; an adapter trained on a fake-quantized base (QAMR) gives, on the
// runtime's quantized base, the logits the trainer computed; --init-model copies
// the model directory's files into the output or says which one it could not.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "adapter/lora_adapter.h"
#include "base/file.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "runtime/engine.h"
#include "test_util.h"
#include "train/bpe_command.h"
#include "train/logits_command.h"
#include "train/sft.h"
#include "train/world.h"

namespace edgereason::train {
namespace {

std::vector<float> LogitsFromFile(const std::string& file) {
  auto f = SafetensorsFile::Open(file);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  if (!f.ok() || f->Find("logits") == nullptr) return {};
  return test::F32Values(*f->Find("logits"));
}

// Runtime logits [ids, vocab] of `model_dir` (as `format`), with an adapter from `start`.
std::vector<float> RuntimeLogits(const std::string& model_dir, WeightFormat format, const std::string& adapter_dir,
                                 int64_t start, const std::vector<int32_t>& ids) {
  auto model = Model::Load(model_dir, {.weight_format = format});
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto engine = Engine::Create(*model, {});
  EXPECT_TRUE(engine.ok());
  const int32_t seq = (*engine)->AddSequence();
  if (!adapter_dir.empty()) {
    auto adapter = LoraAdapter::Load(adapter_dir, (*model)->adapter_shape());
    EXPECT_TRUE(adapter.ok()) << adapter.status().ToString();
    auto id = (*engine)->AddAdapter(*adapter);
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE((*engine)->SetAdapter(seq, *id, start).ok());
  }
  ForwardOutput out;
  EXPECT_TRUE((*engine)->Prefill(seq, ids, /*all_logits=*/true, &out).ok());
  return out.logits;
}

struct Pretrained {
  std::string dir, model, traces;
  double initial_eval_loss = 0, final_eval_loss = 0;
};

// A small model pretrained in f32 on direct answers of the world.
Pretrained Pretrain() {
  Pretrained p;
  p.dir = test::MakeTempDir("train-pretrain");
  WorldOptions w;
  w.split = "train";
  w.format = "direct";
  w.count = 40;
  w.out = p.dir + "/direct.jsonl";
  EXPECT_TRUE(WriteWorld(w).ok());
  w.seed = 1;
  w.out = p.dir + "/eval.jsonl";
  w.count = 6;
  EXPECT_TRUE(WriteWorld(w).ok());
  w.format = "traces";
  w.count = 8;
  w.out = p.traces = p.dir + "/traces.jsonl";
  EXPECT_TRUE(WriteWorld(w).ok());
  BpeOptions b;
  b.inputs = {p.dir + "/direct.jsonl", p.traces};
  b.fields = {"prompt", "response"};
  b.vocab_size = 300;
  b.out_dir = p.dir + "/tok";
  testing::internal::CaptureStdout();
  EXPECT_TRUE(RunBpe(b).ok());
  testing::internal::GetCapturedStdout();
  PretrainOptions o;
  o.tokenizer_dir = b.out_dir;
  o.data_path = p.dir + "/direct.jsonl";
  o.eval_path = p.dir + "/eval.jsonl";
  o.out_dir = p.model = p.dir + "/model";
  o.hidden = 64;
  o.layers = 2;
  o.heads = 4;
  o.kv_heads = 2;
  o.intermediate = 128;
  o.max_positions = 256;
  o.data.append_eos = true;
  o.loop.steps = 40;
  o.loop.batch_size = 16;
  o.loop.micro_batch = 16;
  o.loop.lr = 3e-3;
  o.loop.progress = false;
  o.threads = 1;
  o.json = true;
  testing::internal::CaptureStdout();
  const Status st = RunPretrain(o);
  const std::string report = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (st.ok()) {
    const auto j = nlohmann::json::parse(report);
    p.initial_eval_loss = j["initial_eval_loss"].get<double>();
    p.final_eval_loss = j["final_eval_loss"].get<double>();
  }
  return p;
}

TEST(TrainPretrain, LowersEvalLossAndRuntimeComputesTheTrainersLogits) {
  const Pretrained p = Pretrain();
  std::printf("pretrain eval loss %.4f -> %.4f\n", p.initial_eval_loss, p.final_eval_loss);
  EXPECT_LT(p.final_eval_loss, 0.5 * p.initial_eval_loss);
  const std::vector<int32_t> ids = {258, 40, 41, 42, 100, 101, 102, 103, 259, 10};
  LogitsOptions lo;
  lo.model_dir = p.model;
  lo.ids = ids;
  lo.out_path = p.dir + "/trainer.safetensors";
  ASSERT_TRUE(RunLogits(lo).ok());
  const std::vector<float> runtime = RuntimeLogits(p.model, WeightFormat::kF32, "", 0, ids);
  const std::vector<float> trainer = LogitsFromFile(lo.out_path);
  ASSERT_EQ(runtime.size(), trainer.size());
  const float diff = test::MaxAbsDiff(runtime.data(), trainer.data(), runtime.size());
  std::printf("runtime vs trainer logits of the pretrained model: %.3g\n", diff);
  EXPECT_LT(diff, 1e-4);
}

// --init-model continues from a model directory: its files but the weights
// come along into --out, its subdirectories stay behind.
TEST(TrainPretrain, InitModelCopiesTheModelsFilesIntoTheOutput) {
  const Pretrained p = Pretrain();
  std::filesystem::create_directories(p.model + "/onnx");
  ASSERT_TRUE(WriteFileAtomic(p.model + "/onnx/model.onnx", "not part of the checkpoint").ok());
  ASSERT_TRUE(WriteFileAtomic(p.model + "/README.md", "model card").ok());
  PretrainOptions o;
  o.init_model = p.model;
  o.data_path = p.dir + "/direct.jsonl";
  o.out_dir = p.dir + "/continued";
  o.loop.steps = 2;
  o.loop.batch_size = 4;
  o.loop.micro_batch = 4;
  o.loop.progress = false;
  o.threads = 1;
  testing::internal::CaptureStdout();
  const Status st = RunPretrain(o);
  testing::internal::GetCapturedStdout();
  ASSERT_TRUE(st.ok()) << st.ToString();
  for (const char* f : {"config.json", "tokenizer.json", "README.md", "model.safetensors"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(o.out_dir + "/" + f)) << f;
  }
  EXPECT_FALSE(std::filesystem::exists(o.out_dir + "/onnx"));

  // A file that cannot be copied (a directory holds its name in --out) is an
  // error naming it, not an output quietly missing it.
  o.out_dir = p.dir + "/blocked";
  std::filesystem::create_directories(o.out_dir + "/README.md");
  testing::internal::CaptureStdout();
  const Status blocked = RunPretrain(o);
  testing::internal::GetCapturedStdout();
  EXPECT_FALSE(blocked.ok());
  EXPECT_NE(blocked.ToString().find("README.md: cannot copy into"), std::string::npos) << blocked.ToString();
}

TEST(TrainQamr, AdapterTrainedOnTheFakeQuantizedBaseMatchesTheQuantizedRuntime) {
  const Pretrained p = Pretrain();
  for (const char* format : {"q4_0", "q8_0"}) {
    SftOptions o;
    o.model_dir = p.model;
    o.data_path = p.traces;
    o.out_dir = p.dir + "/adapter_" + format;
    o.base_format = format;
    o.lora.rank = 4;
    o.loop.steps = 6;
    o.loop.batch_size = 4;
    o.loop.lr = 3e-3;
    o.loop.progress = false;
    o.threads = 1;
    testing::internal::CaptureStdout();
    const Status st = RunSft(o);
    testing::internal::GetCapturedStdout();
    ASSERT_TRUE(st.ok()) << st.ToString();
    const std::vector<int32_t> ids = {258, 40, 41, 42, 100, 101, 102, 103, 259, 10, 60, 61};
    LogitsOptions lo;
    lo.model_dir = p.model;
    lo.lora_dir = o.out_dir;
    lo.lora_start = 8;
    lo.base_format = format;
    lo.ids = ids;
    lo.out_path = p.dir + "/qamr_" + format + ".safetensors";
    ASSERT_TRUE(RunLogits(lo).ok());
    const std::vector<float> trainer = LogitsFromFile(lo.out_path);
    const auto wf = WeightFormatFromName(format);
    ASSERT_TRUE(wf.has_value());
    const std::vector<float> runtime = RuntimeLogits(p.model, *wf, o.out_dir, 8, ids);
    ASSERT_EQ(runtime.size(), trainer.size());
    const float diff = test::MaxAbsDiff(runtime.data(), trainer.data(), runtime.size());
    // The quantized runtime also quantizes activations (q8 dot products), so
    // it is close to the fake-quantized trainer, not bit-equal.
    std::printf("%s: quantized runtime vs QAMR trainer logits %.3g\n", format, diff);
    EXPECT_LT(diff, 0.05);
    // ... and much closer than to the same adapter on the f32 base.
    const std::vector<float> f32_base = RuntimeLogits(p.model, WeightFormat::kF32, o.out_dir, 8, ids);
    const float to_f32 = test::MaxAbsDiff(f32_base.data(), trainer.data(), runtime.size());
    std::printf("%s: f32 runtime vs QAMR trainer logits %.3g\n", format, to_f32);
    // 4-bit quantization moves the logits far more than the runtime's own
    // rounding: the QAMR forward is the quantized runtime's, not the f32 one.
    if (std::string(format) == "q4_0") {
      EXPECT_LT(diff, 0.25 * to_f32);
    }
  }
}

}  // namespace
}  // namespace edgereason::train
