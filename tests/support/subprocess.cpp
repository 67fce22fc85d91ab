#include "support/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <system_error>

extern char** environ;

namespace cadent::integration {
namespace {

[[noreturn]] void ThrowErrno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

void Check(int result, const std::string& what) {
  if (result != 0) ThrowErrno(result, what);  // posix_spawn* return the error number
}

// Both ends close-on-exec; the child's copies are made by dup2, which clears the flag.
void MakePipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) ThrowErrno(errno, "pipe2");
}

int OpenPidFd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) return static_cast<int>(fd);
#endif
  (void)pid;
  return -1;
}

ExitStatus Decode(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  }
  return status;
}

// Appends what `fd` has now. Returns false at end of file (or on an error).
bool Drain(int fd, std::string* into) {
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into->append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

}  // namespace

std::string ExitStatus::Describe() const {
  std::string text;
  if (exited) {
    text = "exit status " + std::to_string(code);
  } else if (signal != 0) {
    text =
        std::string("killed by signal ") + std::to_string(signal) + " (" + strsignal(signal) + ")";
  } else {
    text = "unknown status";
  }
  if (timed_out) text += " after its deadline passed";
  return text;
}

Child::Child(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) throw std::invalid_argument("Child: empty argv");
  int out_pipe[2];
  int err_pipe[2];
  MakePipe(out_pipe);
  MakePipe(err_pipe);
  // The child's ends must block: a program that writes to a non-blocking stdout gets EAGAIN.
  for (int fd : {out_pipe[1], err_pipe[1]}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  }

  posix_spawn_file_actions_t actions;
  Check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
  Check(posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
        "addopen");
  Check(posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO), "adddup2");
  Check(posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO), "adddup2");
  if (!options.cwd.empty()) {
    Check(posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str()), "addchdir");
  }

  // A clean signal state: nothing blocked, every signal at its default.
  posix_spawnattr_t attributes;
  Check(posix_spawnattr_init(&attributes), "posix_spawnattr_init");
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  Check(posix_spawnattr_setsigmask(&attributes, &none), "setsigmask");
  Check(posix_spawnattr_setsigdefault(&attributes, &all), "setsigdefault");
  Check(posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
        "setflags");

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "CADENT_", 7) != 0) env.push_back(*e);
  }
  env.push_back(nullptr);

  const int spawned =
      posix_spawn(&pid_, argv[0].c_str(), &actions, &attributes, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  if (spawned != 0) {
    CloseFds();
    ThrowErrno(spawned, "posix_spawn " + argv[0]);
  }
  pid_fd_ = OpenPidFd(pid_);
}

Child::~Child() {
  KillAndReap();
  CloseFds();
}

void Child::CloseFds() {
  CloseFd(&out_fd_);
  CloseFd(&err_fd_);
  CloseFd(&pid_fd_);
}

void Child::Reap(bool block) {
  if (status_) return;
  int wait_status = 0;
  pid_t reaped;
  do {
    reaped = ::waitpid(pid_, &wait_status, block ? 0 : WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == pid_) {
    status_ = Decode(wait_status);
    CloseFd(&pid_fd_);
  } else if (reaped < 0) {
    status_ = ExitStatus{};  // not our child any more (cannot happen); stop waiting for it
    CloseFd(&pid_fd_);
  }
}

bool Child::Pump(Deadline deadline) {
  const auto remaining =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  if (remaining.count() <= 0) return false;
  return PumpFor(static_cast<int>(std::min<int64_t>(remaining.count(), 60'000)));
}

bool Child::Poll() {
  PumpFor(0);
  return running();
}

bool Child::PumpFor(int timeout) {
  pollfd fds[3];
  nfds_t count = 0;
  if (out_fd_ >= 0) fds[count++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[count++] = {err_fd_, POLLIN, 0};
  if (!status_ && pid_fd_ >= 0) fds[count++] = {pid_fd_, POLLIN, 0};
  const bool polling_exit = !status_ && pid_fd_ < 0;
  if (count == 0 && !polling_exit) return false;

  if (polling_exit) timeout = std::min(timeout, 5);  // no pidfd: look at the child often
  const int ready = ::poll(fds, count, timeout);
  if (ready < 0 && errno != EINTR) ThrowErrno(errno, "poll");

  if (out_fd_ >= 0 && !Drain(out_fd_, &out_)) CloseFd(&out_fd_);
  if (err_fd_ >= 0 && !Drain(err_fd_, &err_)) CloseFd(&err_fd_);
  if (!status_) Reap(/*block=*/false);
  return true;
}

void Child::WaitForAny(const std::vector<Child*>& children, Deadline deadline) {
  std::vector<pollfd> fds;
  bool polling_exit = false;
  for (const Child* child : children) {
    if (child == nullptr) continue;
    if (child->out_fd_ >= 0) fds.push_back({child->out_fd_, POLLIN, 0});
    if (child->err_fd_ >= 0) fds.push_back({child->err_fd_, POLLIN, 0});
    if (!child->status_ && child->pid_fd_ >= 0) fds.push_back({child->pid_fd_, POLLIN, 0});
    if (!child->status_ && child->pid_fd_ < 0) polling_exit = true;
  }
  const auto remaining =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  int timeout = static_cast<int>(std::clamp<int64_t>(remaining.count(), 0, 60'000));
  if (polling_exit) timeout = std::min(timeout, 5);
  if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) ThrowErrno(errno, "poll");
  for (Child* child : children) {
    if (child != nullptr) child->PumpFor(0);
  }
}

std::optional<std::string> Child::WaitForStderrLine(
    const std::function<bool(std::string_view)>& match, Deadline deadline) {
  while (true) {
    size_t newline;
    while ((newline = err_.find('\n', err_scanned_)) != std::string::npos) {
      std::string line = err_.substr(err_scanned_, newline - err_scanned_);
      err_scanned_ = newline + 1;
      if (match(line)) return line;
    }
    if (err_fd_ < 0) return std::nullopt;  // stderr ended without the line
    if (!Pump(deadline)) return std::nullopt;
  }
}

bool Child::Signal(int signal) {
  if (status_) return false;
  return ::kill(pid_, signal) == 0;
}

ExitStatus Child::Wait(Deadline deadline) {
  while (!status_ || out_fd_ >= 0 || err_fd_ >= 0) {
    if (!Pump(deadline)) {
      if (SteadyClock::now() >= deadline) {
        KillAndReap();
        status_->timed_out = true;
        // Take what the killed child left in the pipes.
        if (out_fd_ >= 0) Drain(out_fd_, &out_);
        if (err_fd_ >= 0) Drain(err_fd_, &err_);
        CloseFd(&out_fd_);
        CloseFd(&err_fd_);
        break;
      }
    }
  }
  return *status_;
}

void Child::KillAndReap() {
  if (status_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Reap(/*block=*/true);
}

RunResult Run(const std::vector<std::string>& argv, Deadline deadline,
              const SpawnOptions& options) {
  Child child(argv, options);
  RunResult result;
  result.status = child.Wait(deadline);
  result.out = child.out();
  result.err = child.err();
  return result;
}

}  // namespace cadent::integration

namespace cadent::integration {

std::vector<RunResult> RunAll(const std::vector<std::vector<std::string>>& argvs, Deadline deadline,
                              const SpawnOptions& options) {
  std::vector<std::unique_ptr<Child>> children;
  std::vector<Child*> pointers;
  for (const auto& argv : argvs) {
    children.push_back(std::make_unique<Child>(argv, options));
    pointers.push_back(children.back().get());
  }
  // Read from all of them as they write, so none stops on a full pipe.
  while (SteadyClock::now() < deadline &&
         !std::all_of(children.begin(), children.end(),
                      [](const std::unique_ptr<Child>& c) { return c->finished(); })) {
    Child::WaitForAny(pointers, deadline);
  }
  std::vector<RunResult> results;
  for (auto& child : children) {
    RunResult result;
    result.status = child->Wait(deadline);  // at once when finished; else kills it
    result.out = child->out();
    result.err = child->err();
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace cadent::integration
