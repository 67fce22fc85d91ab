// Child processes for the integration tests: posix_spawn with stdout and stderr on pipes,
// read without blocking under a deadline, waited for through a pidfd. Nothing here sleeps:
// every wait is poll(2) on the pipes and the process, bounded by a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadent::integration {

using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

inline Deadline After(std::chrono::milliseconds timeout) { return SteadyClock::now() + timeout; }

// How a child ended.
struct ExitStatus {
  bool exited = false;     // returned from main or called exit: `code` holds the status
  int code = -1;           // exit status when `exited`
  int signal = 0;          // the signal that ended it, when not `exited`
  bool timed_out = false;  // the deadline passed first; the child was then killed with SIGKILL

  bool Success() const { return exited && code == 0; }
  std::string Describe() const;
};

struct SpawnOptions {
  std::string cwd;  // working directory of the child; empty keeps the test's
};

// One running child. Its stdin is /dev/null; stdout and stderr are captured. The destructor
// kills (SIGKILL) and reaps a child that is still running, so none outlives its owner.
class Child {
 public:
  // Starts argv[0] (a path) with argv. Throws std::system_error when it cannot be started.
  // The environment is the test's minus CADENT_* variables; no signals are blocked or ignored.
  Child(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return !status_.has_value(); }
  // Reaped, and both output streams read to their end.
  bool finished() const { return status_.has_value() && out_fd_ < 0 && err_fd_ < 0; }

  // Reads output until a complete stderr line (without its newline) satisfies `match`, which
  // is returned. Lines are offered once each, in order. nullopt when stderr ends or the
  // deadline passes first.
  std::optional<std::string> WaitForStderrLine(const std::function<bool(std::string_view)>& match,
                                               Deadline deadline);

  // Reads the output available now and reaps the child if it has exited, without waiting.
  // Returns running().
  bool Poll();

  // Waits until any of `children` writes output or exits, or the deadline passes, and reads
  // what they wrote. Null entries are skipped.
  static void WaitForAny(const std::vector<Child*>& children, Deadline deadline);

  // Sends `signal` unless the child was already reaped. Returns false when it was.
  bool Signal(int signal);

  // Reads all output and reaps the child. When the deadline passes first the child is
  // killed (SIGKILL), reaped and the status says timed_out.
  ExitStatus Wait(Deadline deadline);

  // SIGKILL and reap (no-op once reaped).
  void KillAndReap();

  // What the child wrote so far.
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // Waits until output arrives, the child exits or the deadline passes; reads what is
  // available. Returns false when there is nothing left to wait for or the deadline passed.
  bool Pump(Deadline deadline);
  bool PumpFor(int timeout_ms);
  void Reap(bool block);
  void CloseFds();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int pid_fd_ = -1;  // -1 when pidfd_open is unavailable: then exits are polled
  std::optional<ExitStatus> status_;
  std::string out_;
  std::string err_;
  size_t err_scanned_ = 0;  // stderr up to here was offered to WaitForStderrLine
};

struct RunResult {
  ExitStatus status;
  std::string out;
  std::string err;
};

// Runs argv to completion (killed at the deadline).
RunResult Run(const std::vector<std::string>& argv, Deadline deadline,
              const SpawnOptions& options = {});

// Runs the commands at the same time, each to completion (killed at the deadline); the
// results are in the order of `argvs`.
std::vector<RunResult> RunAll(const std::vector<std::vector<std::string>>& argvs, Deadline deadline,
                              const SpawnOptions& options = {});

}  // namespace cadent::integration
