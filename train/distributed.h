// Data-parallel training through torch.distributed's c10d with the Gloo
// backend: every rank computes gradients on its share of the global batch,
// then the gradients are summed across ranks with one all-reduce, so every
// rank applies the same update.
//
// A rank learns its place from the environment:
//   EDGEREASON_RANK, EDGEREASON_WORLD_SIZE   this process's rank and the count
//   EDGEREASON_STORE_FILE                     rendezvous through a shared file (one machine)
//   EDGEREASON_MASTER_ADDR, EDGEREASON_MASTER_PORT   or through a TCP store on rank 0's host
//   EDGEREASON_GLOO_IFACE_ADDR                address this rank's Gloo device binds
//                                             (default 127.0.0.1; set it across machines)
// `--nproc N` on one machine sets these and starts N copies of the command
// (LaunchLocalWorkers); docs/training.md shows the multi-machine form.
#pragma once
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/types.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason::train {

class Communicator {
 public:
  // From the environment; a single-process communicator when
  // EDGEREASON_WORLD_SIZE is unset or 1.
  static Result<std::unique_ptr<Communicator>> FromEnvironment();
  // Rank `rank` of `world_size` meeting through the file `store_file` (one
  // machine); the ranks may also be threads of one process (tests).
  static Result<std::unique_ptr<Communicator>> Create(int rank, int world_size,
                                                      const std::string& store_file);
  ~Communicator();
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_main() const { return rank_ == 0; }
  // Sums `tensors` (all of one dtype) across ranks in place, as one flat buffer.
  Status AllReduceSum(const std::vector<torch::Tensor>& tensors);
  // Sums each of `values` across ranks in place (step totals for logs and
  // normalisers), in f64.
  Status SumAcrossRanks(std::span<double> values);
  Status Barrier();

 private:
  struct Group;
  Communicator() = default;
  // Joins the Gloo group of world_size_ ranks through `store`.
  Status Join(c10::intrusive_ptr<c10d::Store> store);
  int rank_ = 0;
  int world_size_ = 1;
  std::unique_ptr<Group> group_;
};

// Whether this process was started as one rank of a data-parallel run.
bool IsWorkerProcess();
// True outside workers and in the worker of rank 0: the one process of a
// data-parallel run that prints notes meant for the user once.
bool IsLeadProcess();

// Runs `argv` again as `nproc` worker processes on this machine (ranks
// 0..nproc-1, rendezvous through a temporary file), forwarding SIGTERM and
// SIGINT to them, and waits for all. Returns the first non-zero exit code,
// else 0.
Result<int> LaunchLocalWorkers(int argc, char** argv, int nproc);

}  // namespace edgereason::train
