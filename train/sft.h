// `edgereason-train sft`: masked-LoRA supervised fine-tuning. The adapter is
// off on prompt tokens and on from the response (the paper's masked LoRA), so
// the prompt's KV cache from the base model stays valid for the adapter.
#pragma once
#include <string>

#include "base/status.h"
#include "train/data.h"
#include "train/lora.h"
#include "train/supervised_loop.h"

namespace edgereason::train {

struct SftOptions {
  std::string model_dir;
  std::string data_path;
  std::string eval_path;        // empty: no evaluation
  std::string out_dir;          // the PEFT adapter
  std::string init_adapter;     // continue from this adapter instead of a fresh one
  std::string template_path;    // overrides the model's chat template
  std::string base_format;      // QAMR: q4_0 / q4_pc / q8_0 fake-quantized base
  bool mask_prompt = true;      // false: adapter on every token (plain LoRA)
  LoraSpec lora;
  DatasetOptions data;
  LoopOptions loop;
  int threads = 0;              // training cores (ConfigureCpuThreads; 0: all)
  bool json = false;
};

Status RunSft(const SftOptions& options);

// Tokenized training (and optional eval) examples of a model directory's
// tokenizer and chat template; skipped rows are printed when `verbose`.
Status LoadTrainingSets(const std::string& model_dir, const std::string& template_path,
                        const std::string& data_path, const std::string& eval_path,
                        const DatasetOptions& data, bool verbose, std::vector<Example>* train,
                        std::vector<Example>* eval);

struct PretrainOptions {
  std::string tokenizer_dir;    // tokenizer.json (+ tokenizer_config.json) of the new model
  std::string init_model;       // continue from this checkpoint instead of random weights
  std::string data_path, eval_path, out_dir, template_path;
  int64_t hidden = 128, layers = 4, heads = 4, kv_heads = 2, intermediate = 384;
  int64_t max_positions = 2048;
  double rope_theta = 10000.0;
  bool tied = true;
  double init_std = 0.02;
  DatasetOptions data;
  LoopOptions loop;
  int threads = 0;  // training cores (ConfigureCpuThreads; 0: all)
  bool json = false;
};

Status RunPretrain(const PretrainOptions& options);

}  // namespace edgereason::train
