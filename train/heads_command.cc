#include "train/heads_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>

#include "base/file.h"
#include "train/head_metrics.h"

namespace edgereason::train {
namespace {

// A seeded shuffle of the rows, then the first (1 − eval_fraction) train.
// For the verifier, rows of one problem stay on one side (`group`), so
// held-out figures are on unseen problems.
struct Split {
  HeadData train, eval;
};

Split SplitRows(const HeadData& d, double eval_fraction, uint64_t seed,
                const std::vector<int64_t>& group) {
  const int64_t groups = group.empty() ? d.rows : *std::max_element(group.begin(), group.end()) + 1;
  std::vector<int64_t> order(groups);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const int64_t n_eval = static_cast<int64_t>(eval_fraction * double(groups));
  std::vector<bool> is_eval(groups, false);
  for (int64_t i = 0; i < n_eval; ++i) is_eval[order[i]] = true;
  Split s;
  s.train.dim = s.eval.dim = d.dim;
  for (int64_t r = 0; r < d.rows; ++r) {
    HeadData& to = is_eval[group.empty() ? r : group[r]] ? s.eval : s.train;
    to.x.insert(to.x.end(), d.x.begin() + r * d.dim, d.x.begin() + (r + 1) * d.dim);
    to.y.push_back(d.y[r]);
    ++to.rows;
  }
  return s;
}

double PositiveRate(const HeadData& d) {
  double p = 0;
  for (double v : d.y) p += v > 0.5;
  return d.rows ? p / double(d.rows) : 0;
}

void Print(const HeadCommonOptions& o, const nlohmann::ordered_json& f, const char* what) {
  if (o.json) {
    std::printf("%s\n", f.dump(2).c_str());
    return;
  }
  std::printf("%s head: %lld train / %lld eval rows, AUC train %.3f eval %.3f; wrote %s.{json,safetensors}\n",
              what, f["train_rows"].get<long long>(), f["eval_rows"].get<long long>(),
              f["train_auc"].get<double>(), f["eval_auc"].get<double>(), o.out_stem.c_str());
  if (f.contains("eval_ece")) std::printf("calibration (eval): ECE %.3f\n", f["eval_ece"].get<double>());
}

// The directory of --out, made before the features are computed (minutes of
// rollouts for the verifier), so a bad path fails first.
Status MakeOutputDirectory(const HeadCommonOptions& o) {
  const std::string parent = std::filesystem::path(o.out_stem).parent_path().string();
  return parent.empty() ? Status::Ok() : CreateDirectories(parent);
}

Result<std::vector<ProblemRow>> LoadRows(const HeadCommonOptions& o) {
  LoadReport report;
  ER_ASSIGN_OR_RETURN(std::vector<ProblemRow> rows, LoadProblemsJsonl(o.data_path, o.skip_bad_rows, &report));
  for (const std::string& s : report.skipped) std::fprintf(stderr, "skipped %s\n", s.c_str());
  if (rows.empty()) return InvalidArgument(o.data_path + ": no problems");
  return rows;
}

}  // namespace

Result<HeadReport> TrainSwitcherHead(const HeadData& data, const SwitcherOptions& o) {
  const HeadCommonOptions& c = o.common;
  Split s = SplitRows(data, c.eval_fraction, c.fit.seed, {});
  ER_ASSIGN_OR_RETURN(SwitcherWeights w, FitSwitcher(s.train, c.fit, o.pooling, o.threshold));
  ER_RETURN_IF_ERROR(WriteSwitcherHead(c.out_stem, w));
  HeadReport r;
  r.probabilities = SwitcherProbabilities(w, data);
  const HeadData& judged = s.eval.rows > 0 ? s.eval : s.train;
  const std::vector<double> eval_p = SwitcherProbabilities(w, judged);
  r.figures = {{"kind", "switcher"},
               {"train_rows", s.train.rows},
               {"eval_rows", s.eval.rows},
               {"positive_rate", PositiveRate(data)},
               {"train_auc", RocAuc(SwitcherProbabilities(w, s.train), s.train.y)},
               {"eval_auc", RocAuc(eval_p, judged.y)},
               {"threshold", o.threshold},
               {"sweep_rows", s.eval.rows > 0 ? "eval" : "train"},
               {"sweep", SweepJson(ThresholdSweep(eval_p, judged.y))},
               {"out", c.out_stem}};
  return r;
}

Result<HeadReport> TrainVerifierHead(const HeadData& data, const VerifierOptions& o,
                                     const std::vector<int64_t>& problem) {
  const HeadCommonOptions& c = o.common;
  Split s = SplitRows(data, c.eval_fraction, c.fit.seed, problem);
  ER_ASSIGN_OR_RETURN(VerifierWeights w, FitVerifier(s.train, c.fit, o.sampling.confidence));
  ER_RETURN_IF_ERROR(WriteVerifierHead(c.out_stem, w));
  HeadReport r;
  r.probabilities = VerifierScores(w, data);
  const HeadData& judged = s.eval.rows > 0 ? s.eval : s.train;
  const std::vector<double> eval_p = VerifierScores(w, judged);
  const Calibration cal = Calibrate(eval_p, judged.y);
  r.figures = {{"kind", "verifier"},
               {"confidence_features", o.sampling.confidence},
               {"train_rows", s.train.rows},
               {"eval_rows", s.eval.rows},
               {"positive_rate", PositiveRate(data)},
               {"train_auc", RocAuc(VerifierScores(w, s.train), s.train.y)},
               {"eval_auc", RocAuc(eval_p, judged.y)},
               {"eval_ece", cal.ece},
               {"calibration_rows", s.eval.rows > 0 ? "eval" : "train"},
               {"calibration", CalibrationJson(cal)},
               {"out", c.out_stem}};
  return r;
}

Result<HeadReport> TrainVerifierHead(const HeadData& data, const VerifierOptions& o) {
  return TrainVerifierHead(data, o, {});
}

Status RunSwitcher(const SwitcherOptions& o) {
  ER_RETURN_IF_ERROR(MakeOutputDirectory(o.common));
  ER_ASSIGN_OR_RETURN(std::vector<ProblemRow> rows, LoadRows(o.common));
  ER_ASSIGN_OR_RETURN(HeadData data, SwitcherFeatures(rows, o.pooling, o.common.runtime));
  for (const ProblemRow& r : rows) {
    if (r.label) {
      data.y.push_back(*r.label > 0.5 ? 1.0 : 0.0);
    } else if (r.difficulty && o.difficulty_threshold) {
      data.y.push_back(double(*r.difficulty) > *o.difficulty_threshold ? 1.0 : 0.0);
    } else {
      return InvalidArgument(o.common.data_path + ":" + std::to_string(r.line) +
                             ": no \"label\" (or \"difficulty\" with --difficulty-threshold)");
    }
  }
  ER_ASSIGN_OR_RETURN(HeadReport r, TrainSwitcherHead(data, o));
  Print(o.common, r.figures, "switcher");
  return Status::Ok();
}

Status RunVerifier(const VerifierOptions& o) {
  ER_RETURN_IF_ERROR(MakeOutputDirectory(o.common));
  ER_ASSIGN_OR_RETURN(std::vector<ProblemRow> rows, LoadRows(o.common));
  ER_ASSIGN_OR_RETURN(VerifierSamples samples, VerifierFeatures(rows, o.sampling, o.common.runtime));
  const double correct = PositiveRate(samples.data) * double(samples.data.rows);
  if (correct == 0 || correct == double(samples.data.rows)) {
    return InvalidArgument(std::to_string(static_cast<int64_t>(correct)) + " of " +
                           std::to_string(samples.data.rows) +
                           " rollouts are correct: the verifier needs both right and wrong ones "
                           "(more problems or --samples, another --temperature, a better --adapter)");
  }
  ER_ASSIGN_OR_RETURN(HeadReport r, TrainVerifierHead(samples.data, o, samples.problem));
  r.figures["rollouts"] = samples.data.rows;
  r.figures["rollout_accuracy"] = PositiveRate(samples.data);
  r.figures["mean_generated_tokens"] = samples.mean_generated;
  Print(o.common, r.figures, "verifier");
  return Status::Ok();
}

}  // namespace edgereason::train
