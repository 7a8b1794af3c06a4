#include "train/head_fit.h"

#include <torch/torch.h>

namespace edgereason::train {
namespace {

struct Standardiser {
  torch::Tensor mean, scale;  // [dim] each
};

Standardiser Fit(const torch::Tensor& x) {  // x [rows, dim]
  Standardiser s;
  s.mean = x.mean(0);
  s.scale = x.std(0, /*unbiased=*/false).clamp_min(1e-6);
  return s;
}

torch::Tensor Features(const HeadData& d) {  // [rows, dim] f32
  return torch::from_blob(const_cast<float*>(d.x.data()), {d.rows, d.dim}, torch::kFloat32).clone();
}

torch::Tensor Labels(const HeadData& d) {  // [rows, 1] f32
  return torch::tensor(d.y, torch::kFloat64).to(torch::kFloat32).reshape({d.rows, 1});
}

std::vector<float> ToVector(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat32).contiguous().reshape({-1});
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

Status CheckData(const HeadData& d) {
  if (d.rows < 2) return InvalidArgument("a head needs at least 2 training rows, got " + std::to_string(d.rows));
  if (static_cast<int64_t>(d.x.size()) != d.rows * d.dim || static_cast<int64_t>(d.y.size()) != d.rows) {
    return InvalidArgument("feature and label counts disagree");
  }
  double pos = 0;
  for (double v : d.y) pos += v > 0.5;
  if (pos == 0 || pos == d.rows) return InvalidArgument("the labels hold one class only");
  return Status::Ok();
}

// Runs `epochs` of shuffled mini-batch Adam on BCE; `forward` maps a batch of
// standardised features [b, dim] to logits [b, 1] (training mode).
template <typename Forward>
void Train(const torch::Tensor& z, const torch::Tensor& y, const std::vector<torch::Tensor>& params,
           const HeadFitOptions& o, Forward forward) {
  torch::optim::Adam opt(params, torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
  const int64_t n = z.size(0), batch = std::max<int64_t>(1, std::min(o.batch, n));
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(n, torch::kLong);
    for (int64_t b = 0; b < n; b += batch) {
      const torch::Tensor idx = order.slice(0, b, std::min(n, b + batch));
      opt.zero_grad();
      const torch::Tensor loss = torch::binary_cross_entropy_with_logits(forward(z.index_select(0, idx)),
                                                                         y.index_select(0, idx));
      loss.backward();
      opt.step();
    }
  }
}

}  // namespace

HeadData SliceRows(const HeadData& d, int64_t begin, int64_t end) {
  HeadData s;
  s.rows = end - begin;
  s.dim = d.dim;
  s.x.assign(d.x.begin() + begin * d.dim, d.x.begin() + end * d.dim);
  s.y.assign(d.y.begin() + begin, d.y.begin() + end);
  return s;
}

Result<SwitcherWeights> FitSwitcher(const HeadData& data, const HeadFitOptions& o,
                                    const PoolingConfig& pooling, double threshold) {
  ER_RETURN_IF_ERROR(CheckData(data));
  try {
    torch::manual_seed(o.seed);
    const torch::Tensor x = Features(data), y = Labels(data);
    const Standardiser st = Fit(x);
    const torch::Tensor z = (x - st.mean) / st.scale;  // [rows, dim]
    torch::nn::Linear fc1(data.dim, o.hidden_units), fc2(o.hidden_units, 1);
    std::vector<torch::Tensor> params = fc1->parameters();
    for (const auto& p : fc2->parameters()) params.push_back(p);
    Train(z, y, params, o, [&](const torch::Tensor& zb) {
      const torch::Tensor noisy = zb + o.input_noise * torch::randn_like(zb);
      const torch::Tensor h = torch::dropout(torch::relu(fc1(noisy)), o.dropout, /*train=*/true);
      return fc2(h);  // [b, 1]
    });
    torch::NoGradGuard no_grad;
    // Fold the standardisation into fc1 (see the header).
    const torch::Tensor w1 = fc1->weight / st.scale;                  // [units, dim]
    const torch::Tensor b1 = fc1->bias - torch::mv(w1, st.mean);      // [units]
    SwitcherWeights w;
    w.hidden_size = data.dim;
    w.hidden_units = o.hidden_units;
    w.pooling = pooling;
    w.threshold = threshold;
    w.fc1_weight = ToVector(w1);
    w.fc1_bias = ToVector(b1);
    w.fc2_weight = ToVector(fc2->weight);
    w.fc2_bias = ToVector(fc2->bias);
    return w;
  } catch (const c10::Error& e) {
    return Internal(std::string("switcher training failed: ") + e.what_without_backtrace());
  }
}

Result<VerifierWeights> FitVerifier(const HeadData& data, const HeadFitOptions& o, bool confidence) {
  ER_RETURN_IF_ERROR(CheckData(data));
  const int64_t extra = confidence ? static_cast<int64_t>(kConfidenceFeatures) : 0;
  if (data.dim <= extra) {
    return InvalidArgument("verifier rows have " + std::to_string(data.dim) +
                           " features, fewer than a hidden state plus the confidence features");
  }
  try {
    torch::manual_seed(o.seed);
    const torch::Tensor x = Features(data), y = Labels(data);
    const Standardiser st = Fit(x);
    const torch::Tensor z = (x - st.mean) / st.scale;
    torch::nn::Linear linear(data.dim, 1);
    Train(z, y, linear->parameters(), o, [&](const torch::Tensor& zb) { return linear(zb); });
    torch::NoGradGuard no_grad;
    const torch::Tensor w = linear->weight.reshape({-1}) / st.scale;  // [dim]
    VerifierWeights out;
    out.hidden_size = data.dim - extra;
    out.weight = ToVector(w.slice(0, 0, out.hidden_size));
    if (extra > 0) out.confidence_weight = ToVector(w.slice(0, out.hidden_size));
    out.bias = (linear->bias.reshape({}) - torch::dot(w, st.mean)).item<float>();
    return out;
  } catch (const c10::Error& e) {
    return Internal(std::string("verifier training failed: ") + e.what_without_backtrace());
  }
}

std::vector<double> SwitcherProbabilities(const SwitcherWeights& w, const HeadData& d) {
  torch::NoGradGuard no_grad;
  auto f64 = [](const std::vector<float>& v, std::vector<int64_t> shape) {
    return torch::tensor(v, torch::kFloat32).to(torch::kFloat64).reshape(shape);
  };
  const torch::Tensor x = Features(d).to(torch::kFloat64);  // [rows, dim]
  const torch::Tensor h = torch::relu(torch::matmul(x, f64(w.fc1_weight, {w.hidden_units, d.dim}).t()) +
                                      f64(w.fc1_bias, {w.hidden_units}));  // [rows, units]
  const torch::Tensor p = torch::sigmoid(torch::matmul(h, f64(w.fc2_weight, {1, w.hidden_units}).t()) +
                                         f64(w.fc2_bias, {1}));  // [rows, 1]
  const torch::Tensor c = p.reshape({-1}).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

std::vector<double> VerifierScores(const VerifierWeights& w, const HeadData& d) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = Features(d).to(torch::kFloat64);
  std::vector<float> all = w.weight;  // [hidden + confidence features] = [dim]
  all.insert(all.end(), w.confidence_weight.begin(), w.confidence_weight.end());
  const torch::Tensor wt = torch::tensor(all, torch::kFloat32).to(torch::kFloat64);
  const torch::Tensor p = torch::sigmoid(torch::mv(x, wt) + double(w.bias)).contiguous();  // [rows]
  return {p.data_ptr<double>(), p.data_ptr<double>() + p.numel()};
}

}  // namespace edgereason::train
