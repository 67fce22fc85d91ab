// The base fixture of the integration tests: a fresh temporary directory per test and the
// real `cadent` binary run as a child process inside it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "support/subprocess.hpp"
#include "nlohmann/json.hpp"

namespace cadent::integration {

// The cadent binary under test (CADENT_BINARY from CMake).
const std::string& CadentBinary();

// A new empty directory under the test temporary directory (TEST_TMPDIR/TMPDIR or /tmp).
std::filesystem::path MakeTempDir(const std::string& prefix);

std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& content);

// Parses JSON, failing the test (with the text) when it is not JSON.
nlohmann::json ParseJson(const std::string& text, const std::string& what);

// Runs `cadent ARGS...` in `cwd` to completion (bounded by `timeout`).
RunResult RunCadent(const std::filesystem::path& cwd, const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// With CADENT_IT_TRACE set, prints how long `cadent ARGS...` took since `start`.
void TraceRun(const std::vector<std::string>& args, SteadyClock::time_point start);

// How a run looked, for failure messages: the command, its status and both streams (long
// streams are shortened).
std::string Describe(const std::vector<std::string>& args, const RunResult& result);

class CadentTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // Kills every child still running, then removes the directory (kept when the test failed,
  // so that its databases can be looked at).
  void TearDown() override;

  const std::filesystem::path& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `cadent ARGS...` in dir() to completion (bounded by `timeout`).
  RunResult Cadent(const std::vector<std::string>& args,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Starts `cadent ARGS...` in dir(); the fixture kills it in TearDown if it still runs.
  Child& StartCadent(const std::vector<std::string>& args);

 private:
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<Child>> children_;
};

}  // namespace cadent::integration
