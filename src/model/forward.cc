#include "model/forward.h"

#include <algorithm>
#include <map>
#include <string>

#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/matmul.h"
#include "ops/norm.h"
#include "ops/rope.h"
#include "tensor/quantize.h"

namespace edgereason {
namespace {

const float* BiasOrNull(const std::vector<float>& bias) {
  return bias.empty() ? nullptr : bias.data();
}

}  // namespace

ForwardPass::ForwardPass(std::shared_ptr<const Model> model) : model_(std::move(model)) {}

Status ForwardPass::Validate(std::span<const TokenRow> rows, const KvCache& kv,
                             std::span<const LoraAdapter* const> adapters) const {
  const ModelConfig& c = model_->config();
  std::map<int32_t, int64_t> next_pos;  // seq -> position its next row must have
  for (size_t i = 0; i < rows.size(); ++i) {
    const TokenRow& r = rows[i];
    if (r.token < 0 || r.token >= c.vocab_size) {
      return InvalidArgument("token id " + std::to_string(r.token) + " at row " +
                             std::to_string(i) + " is outside the vocabulary [0, " +
                             std::to_string(c.vocab_size) + ")");
    }
    if (r.adapter < -1 || r.adapter >= static_cast<int64_t>(adapters.size()) ||
        (r.adapter >= 0 && adapters[r.adapter] == nullptr)) {
      return InvalidArgument("row " + std::to_string(i) + " names adapter " +
                             std::to_string(r.adapter) + " but " +
                             std::to_string(adapters.size()) + " are loaded");
    }
    if (!kv.HasSequence(r.seq)) {
      return InvalidArgument("row " + std::to_string(i) + " names unknown sequence " +
                             std::to_string(r.seq));
    }
    auto [it, inserted] = next_pos.try_emplace(r.seq, kv.Length(r.seq));
    if (r.pos != it->second) {
      return InvalidArgument("row " + std::to_string(i) + " of sequence " +
                             std::to_string(r.seq) + " has position " + std::to_string(r.pos) +
                             ", expected " + std::to_string(it->second));
    }
    ++it->second;
  }
  return Status::Ok();
}

Status ForwardPass::Run(std::span<const TokenRow> rows, KvCache& kv, ThreadPool& pool,
                        const ForwardOptions& options, ForwardOutput* out,
                        std::span<const LoraAdapter* const> adapters) {
  ER_RETURN_IF_ERROR(Validate(rows, kv, adapters));
  rows_ = rows;
  adapters_ = adapters;
  pool_ = &pool;
  const ModelConfig& c = model_->config();
  const int64_t n = static_cast<int64_t>(rows.size());
  const int64_t h = c.hidden_size;
  std::map<int32_t, int64_t> new_length;
  for (const TokenRow& r : rows) new_length[r.seq] = r.pos + 1;
  for (const auto& [seq, length] : new_length) ER_RETURN_IF_ERROR(kv.Resize(seq, length));

  x_.resize(n * h);
  xn_.resize(n * h);
  q_.resize(n * c.q_dim());
  k_.resize(n * c.kv_dim());
  v_.resize(n * c.kv_dim());
  attn_.resize(n * std::max(c.q_dim(), h));
  gate_.resize(n * c.intermediate_size);
  up_.resize(n * c.intermediate_size);

  // Embedding lookup. [n, h]
  for (int64_t i = 0; i < n; ++i) {
    DequantizeRow(model_->embedding(), rows[i].token, x_.data() + i * h);
  }
  out->hidden_states.clear();
  auto keep_hidden = [&](const float* state) {
    if (options.hidden_states) out->hidden_states.insert(out->hidden_states.end(), state, state + n * h);
  };
  keep_hidden(x_.data());

  const float eps = static_cast<float>(c.rms_norm_eps);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const LayerWeights& w = model_->layers()[l];
    // Attention block.
    RmsNorm(x_.data(), w.input_norm.data(), n, h, eps, xn_.data());
    Linears(xn_.data(), l,
            {{&w.q, &w.q_bias, LinearSlot::kQ, q_.data()},
             {&w.k, &w.k_bias, LinearSlot::kK, k_.data()},
             {&w.v, &w.v_bias, LinearSlot::kV, v_.data()}});
    if (c.qk_norm) {
      RmsNorm(q_.data(), w.q_norm.data(), n * c.num_heads, c.head_dim, eps, q_.data());
      RmsNorm(k_.data(), w.k_norm.data(), n * c.num_kv_heads, c.head_dim, eps, k_.data());
    }
    for (int64_t i = 0; i < n; ++i) {
      ApplyRope(q_.data() + i * c.q_dim(), c.num_heads, c.head_dim, rows[i].pos,
                model_->rope_inv_freq());
      ApplyRope(k_.data() + i * c.kv_dim(), c.num_kv_heads, c.head_dim, rows[i].pos,
                model_->rope_inv_freq());
      kv.Write(rows[i].seq, l, rows[i].pos, k_.data() + i * c.kv_dim(), v_.data() + i * c.kv_dim());
    }
    Attention(rows, l, kv, pool);
    Linears(attn_.data(), l, {{&w.o, &w.o_bias, LinearSlot::kO, xn_.data()}});
    for (int64_t i = 0; i < n * h; ++i) x_[i] += xn_[i];

    // MLP block.
    RmsNorm(x_.data(), w.post_attn_norm.data(), n, h, eps, xn_.data());
    Linears(xn_.data(), l,
            {{&w.gate, &w.gate_bias, LinearSlot::kGate, gate_.data()},
             {&w.up, &w.up_bias, LinearSlot::kUp, up_.data()}});
    SiluMul(gate_.data(), up_.data(), n * c.intermediate_size, gate_.data());
    Linears(gate_.data(), l, {{&w.down, &w.down_bias, LinearSlot::kDown, xn_.data()}});
    for (int64_t i = 0; i < n * h; ++i) x_[i] += xn_[i];
    if (l + 1 < c.num_layers) keep_hidden(x_.data());
  }

  // Final norm over every row when hidden states are kept, else output rows only.
  std::vector<int64_t> output_rows;
  for (int64_t i = 0; i < n; ++i) {
    if (rows[i].output) output_rows.push_back(i);
  }
  out->num_outputs = static_cast<int64_t>(output_rows.size());
  if (options.hidden_states) {
    RmsNorm(x_.data(), model_->final_norm().data(), n, h, eps, xn_.data());
    keep_hidden(xn_.data());
    out->final_hidden.resize(output_rows.size() * h);
    for (size_t j = 0; j < output_rows.size(); ++j) {
      std::copy_n(xn_.data() + output_rows[j] * h, h, out->final_hidden.data() + j * h);
    }
  } else {
    out->final_hidden.resize(output_rows.size() * h);
    for (size_t j = 0; j < output_rows.size(); ++j) {
      RmsNorm(x_.data() + output_rows[j] * h, model_->final_norm().data(), 1, h, eps,
              out->final_hidden.data() + j * h);
    }
  }
  if (options.logits) {
    const int64_t first =
        options.logits_last_output_only && out->num_outputs > 0 ? out->num_outputs - 1 : 0;
    const int64_t count = out->num_outputs - first;
    out->logits.resize(count * c.vocab_size);
    MatMul(out->final_hidden.data() + first * h, count, model_->lm_head(), nullptr,
           out->logits.data(), pool);
  } else {
    out->logits.clear();
  }
  return Status::Ok();
}

void ForwardPass::Linears(const float* x, int64_t layer, std::initializer_list<LinearOut> outs) {
  const int64_t n = static_cast<int64_t>(rows_.size());
  const int64_t in = outs.begin()->w->cols;
  // One pass: each adapter's A products (t = A x over its rows) first, then
  // the base products, then the B products (u = B t), which start once their
  // A product is done; the shared input is quantized once.
  std::vector<MatMulJob> jobs;
  struct Delta {
    const LoraLinear* lora;
    const LinearOut* out;
    size_t adapter;
    size_t k;  // its products: lora_t_[k], lora_u_[k]; its A job: jobs[k]
  };
  std::vector<Delta> deltas;
  std::vector<std::vector<int64_t>> rows_of(adapters_.size());
  for (int64_t i = 0; i < n; ++i) {
    if (rows_[i].adapter >= 0) rows_of[rows_[i].adapter].push_back(i);
  }
  if (lora_x_.size() < adapters_.size()) lora_x_.resize(adapters_.size());
  const size_t most = adapters_.size() * outs.size();
  if (lora_t_.size() < most) lora_t_.resize(most), lora_u_.resize(most);
  for (size_t a = 0; a < adapters_.size(); ++a) {
    const int64_t m = static_cast<int64_t>(rows_of[a].size());
    if (m == 0) continue;
    const float* xa = x;  // every row uses this adapter: no gather
    if (m < n) {
      lora_x_[a].resize(m * in);
      for (int64_t j = 0; j < m; ++j) std::copy_n(x + rows_of[a][j] * in, in, lora_x_[a].data() + j * in);
      xa = lora_x_[a].data();
    }
    for (const LinearOut& o : outs) {
      const LoraLinear* lora = adapters_[a]->Find(layer, o.slot);
      if (lora == nullptr) continue;
      const size_t k = deltas.size();
      lora_t_[k].resize(m * lora->rank());
      lora_u_[k].resize(m * o.w->rows);
      deltas.push_back({lora, &o, a, k});
      jobs.push_back({xa, m, &lora->a, nullptr, lora_t_[k].data()});
    }
  }
  for (const LinearOut& o : outs) jobs.push_back({x, n, o.w, BiasOrNull(*o.bias), o.y});
  for (const Delta& d : deltas) {
    jobs.push_back({lora_t_[d.k].data(), static_cast<int64_t>(rows_of[d.adapter].size()), &d.lora->b,
                    nullptr, lora_u_[d.k].data(), /*after=*/static_cast<int>(d.k)});
  }
  MatMulBatch(jobs, *pool_);
  // y[row] += scale · u.
  for (const Delta& d : deltas) {
    const int64_t out = d.out->w->rows;
    const std::vector<int64_t>& rows = rows_of[d.adapter];
    for (size_t j = 0; j < rows.size(); ++j) {
      float* yr = d.out->y + rows[j] * out;
      const float* ur = lora_u_[d.k].data() + j * out;
      for (int64_t o = 0; o < out; ++o) yr[o] += ur[o] * d.lora->scale;
    }
  }
}

void ForwardPass::Attention(std::span<const TokenRow> rows, int64_t layer, const KvCache& kv,
                            ThreadPool& pool) {
  const ModelConfig& c = model_->config();
  const int64_t bs = kv.block_size();
  const KvElement element = kv.dtype() == KvDType::kF16    ? KvElement::kF16
                            : kv.dtype() == KvDType::kBF16 ? KvElement::kBF16
                            : kv.dtype() == KvDType::kInt8 ? KvElement::kInt8
                                                           : KvElement::kF32;
  const bool scaled = element == KvElement::kInt8;
  // Work items are (row, KV head): decode has a single row per sequence, and
  // its heads are what can run in parallel.
  const int64_t items = static_cast<int64_t>(rows.size()) * c.num_kv_heads;
  pool.ParallelFor(items, 1, [&](int64_t begin, int64_t end) {
    std::vector<const void*> key_blocks, value_blocks;
    std::vector<const float*> key_scales, value_scales;  // int8 only
    std::vector<float> scores;
    int64_t prepared_row = -1;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t i = item / c.num_kv_heads;
      const int64_t kv_head = item % c.num_kv_heads;
      const TokenRow& r = rows[i];
      const int64_t length = r.pos + 1;  // causal: positions [0, pos]
      if (prepared_row != i) {
        const int64_t num_blocks = (length + bs - 1) / bs;
        key_blocks.resize(num_blocks);
        value_blocks.resize(num_blocks);
        if (scaled) {
          key_scales.resize(num_blocks);
          value_scales.resize(num_blocks);
        }
        for (int64_t b = 0; b < num_blocks; ++b) {
          key_blocks[b] = kv.BlockData(r.seq, layer, b, 0);
          value_blocks[b] = kv.BlockData(r.seq, layer, b, 1);
          if (scaled) {
            key_scales[b] = kv.BlockScales(r.seq, layer, b, 0);
            value_scales[b] = kv.BlockScales(r.seq, layer, b, 1);
          }
        }
        scores.resize(length);
        prepared_row = i;
      }
      const AttentionShape shape{c.num_heads, c.num_kv_heads, c.head_dim, kv_head, kv_head + 1};
      const KvSpan span{key_blocks.data(), value_blocks.data(), bs,          length,
                        element,           key_scales.data(),   value_scales.data()};
      AttendOneQuery(q_.data() + i * c.q_dim(), span, shape, attn_.data() + i * c.q_dim(),
                     scores.data());
    }
  });
}

}  // namespace edgereason
