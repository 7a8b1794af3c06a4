#include "train/distributed.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include "train/model.h"

namespace edgereason::train {

struct Communicator::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

Result<int> EnvInt(const char* name, int fallback) {
  const std::string v = Env(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (*end != '\0' || x < 0 || x > 65535) return InvalidArgument(std::string(name) + "='" + v + "' is not a valid number");
  return static_cast<int>(x);
}

}  // namespace

Communicator::~Communicator() = default;

bool IsWorkerProcess() { return !Env("EDGEREASON_WORLD_SIZE").empty(); }

bool IsLeadProcess() {
  const std::string rank = Env("EDGEREASON_RANK");
  return !IsWorkerProcess() || rank.empty() || rank == "0";
}

Result<std::unique_ptr<Communicator>> Communicator::FromEnvironment() {
  auto comm = std::unique_ptr<Communicator>(new Communicator());
  ER_ASSIGN_OR_RETURN(comm->world_size_, EnvInt("EDGEREASON_WORLD_SIZE", 1));
  ER_ASSIGN_OR_RETURN(comm->rank_, EnvInt("EDGEREASON_RANK", 0));
  if (comm->world_size_ <= 1) return comm;
  if (comm->rank_ >= comm->world_size_) {
    return InvalidArgument("EDGEREASON_RANK " + std::to_string(comm->rank_) +
                           " is not below EDGEREASON_WORLD_SIZE " + std::to_string(comm->world_size_));
  }
  c10::intrusive_ptr<c10d::Store> store;
  Status st = CatchTorch("setting up the rendezvous store", [&]() -> Status {
    const std::string file = Env("EDGEREASON_STORE_FILE");
    if (!file.empty()) {
      store = c10::make_intrusive<c10d::FileStore>(file, comm->world_size_);
      return Status::Ok();
    }
    const std::string addr = Env("EDGEREASON_MASTER_ADDR");
    if (addr.empty()) {
      return InvalidArgument("a data-parallel rank needs EDGEREASON_STORE_FILE or EDGEREASON_MASTER_ADDR");
    }
    ER_ASSIGN_OR_RETURN(int port, EnvInt("EDGEREASON_MASTER_PORT", 29500));
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<uint16_t>(port);
    opts.isServer = comm->rank_ == 0;
    opts.numWorkers = comm->world_size_;
    store = c10::make_intrusive<c10d::TCPStore>(addr, opts);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  ER_RETURN_IF_ERROR(comm->Join(store));
  return comm;
}

Result<std::unique_ptr<Communicator>> Communicator::Create(int rank, int world_size,
                                                           const std::string& store_file) {
  if (world_size < 1 || rank < 0 || rank >= world_size) {
    return InvalidArgument("data parallel: rank " + std::to_string(rank) + " of " +
                           std::to_string(world_size) + " is not a valid place");
  }
  auto comm = std::unique_ptr<Communicator>(new Communicator());
  comm->rank_ = rank;
  comm->world_size_ = world_size;
  if (world_size == 1) return comm;
  c10::intrusive_ptr<c10d::Store> store;
  ER_RETURN_IF_ERROR(CatchTorch("opening the rendezvous file", [&] {
    store = c10::make_intrusive<c10d::FileStore>(store_file, world_size);
    return Status::Ok();
  }));
  ER_RETURN_IF_ERROR(comm->Join(store));
  return comm;
}

Status Communicator::Join(c10::intrusive_ptr<c10d::Store> store) {
  return CatchTorch("setting up the Gloo process group", [&]() -> Status {
    auto group = std::make_unique<Group>();
    group->store = std::move(store);
    auto options = c10d::ProcessGroupGloo::Options::create();
    std::string iface = Env("EDGEREASON_GLOO_IFACE_ADDR");
    if (iface.empty()) iface = "127.0.0.1";
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(iface));
    group->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, rank_, world_size_, options);
    group_ = std::move(group);
    return Status::Ok();
  });
}

Status Communicator::AllReduceSum(const std::vector<torch::Tensor>& tensors) {
  if (world_size_ <= 1 || tensors.empty()) return Status::Ok();
  return CatchTorch("all-reducing gradients", [&]() -> Status {
    std::vector<torch::Tensor> flat_list;
    for (const torch::Tensor& t : tensors) flat_list.push_back(t.reshape({-1}));
    std::vector<torch::Tensor> flat = {torch::cat(flat_list)};
    group_->pg->allreduce(flat)->wait();
    int64_t offset = 0;
    torch::NoGradGuard no_grad;
    for (const torch::Tensor& t : tensors) {
      t.copy_(flat[0].narrow(0, offset, t.numel()).view_as(t));
      offset += t.numel();
    }
    return Status::Ok();
  });
}

Status Communicator::SumAcrossRanks(std::span<double> values) {
  if (world_size_ <= 1 || values.empty()) return Status::Ok();
  return CatchTorch("summing across ranks", [&]() -> Status {
    torch::Tensor t = torch::from_blob(values.data(), {static_cast<int64_t>(values.size())},
                                       torch::kFloat64).clone();
    ER_RETURN_IF_ERROR(AllReduceSum({t}));
    std::copy_n(t.data_ptr<double>(), values.size(), values.data());
    return Status::Ok();
  });
}

Status Communicator::Barrier() {
  if (world_size_ <= 1) return Status::Ok();
  return CatchTorch("barrier", [&]() -> Status {
    group_->pg->barrier()->wait();
    return Status::Ok();
  });
}

namespace {
// The launcher forwards termination to its workers; a signal handler can only
// reach them through process-wide state.
std::atomic<int> g_forward_signal{0};
void RememberSignal(int sig) { g_forward_signal.store(sig); }
}  // namespace

Result<int> LaunchLocalWorkers(int argc, char** argv, int nproc) {
  if (nproc < 1 || nproc > 64) return InvalidArgument("--nproc must be in 1..64, got " + std::to_string(nproc));
  char tmpl[] = "/tmp/edgereason-train-store-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return IoError("cannot create the rendezvous file under /tmp");
  close(fd);
  std::filesystem::remove(tmpl);  // FileStore creates it
  std::vector<pid_t> children;
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = fork();
    if (pid < 0) return IoError("fork failed while starting data-parallel workers");
    if (pid == 0) {
      setenv("EDGEREASON_RANK", std::to_string(rank).c_str(), 1);
      setenv("EDGEREASON_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("EDGEREASON_STORE_FILE", tmpl, 1);
      execv("/proc/self/exe", argv);
      _exit(127);
    }
    children.push_back(pid);
  }
  struct sigaction sa {};
  sa.sa_handler = RememberSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  int result = 0;
  size_t alive = children.size();
  std::vector<bool> done(children.size(), false);
  while (alive > 0) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) {
        if (const int sig = g_forward_signal.exchange(0)) {
          for (size_t i = 0; i < children.size(); ++i) if (!done[i]) kill(children[i], sig);
        }
        continue;
      }
      break;
    }
    for (size_t i = 0; i < children.size(); ++i) {
      if (children[i] != pid || done[i]) continue;
      done[i] = true;
      --alive;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (code != 0 && result == 0) {
        result = code;
        // One rank failed: the others would wait for it forever.
        for (size_t j = 0; j < children.size(); ++j) if (!done[j]) kill(children[j], SIGTERM);
      }
    }
  }
  std::filesystem::remove(tmpl);
  return result;
}

}  // namespace edgereason::train
