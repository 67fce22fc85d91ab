#include "integration/cadent_test.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#ifndef CADENT_BINARY
#error "CADENT_BINARY must name the cadent executable"
#endif

namespace cadent::integration {
namespace {

std::string Shorten(const std::string& text, size_t limit = 4000) {
  if (text.size() <= limit) return text;
  return text.substr(0, limit / 2) + "\n[... " + std::to_string(text.size() - limit) +
         " bytes ...]\n" + text.substr(text.size() - limit / 2);
}

}  // namespace

const std::string& CadentBinary() {
  static const std::string binary = CADENT_BINARY;
  return binary;
}

std::filesystem::path MakeTempDir(const std::string& prefix) {
  std::string base = ::testing::TempDir();
  if (base.empty()) base = "/tmp/";
  if (base.back() != '/') base += '/';
  std::string pattern = base + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  return std::filesystem::path(pattern);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

nlohmann::json ParseJson(const std::string& text, const std::string& what) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << what << " is not JSON:\n" << Shorten(text);
  return json;
}

std::string Describe(const std::vector<std::string>& args, const RunResult& result) {
  std::string text = "cadent";
  for (const std::string& arg : args) text += " " + arg;
  text += "\n  -> " + result.status.Describe();
  text += "\n  stdout:\n" + Shorten(result.out);
  text += "\n  stderr:\n" + Shorten(result.err);
  return text;
}

void CadentTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = MakeTempDir(std::string("cadent-") + info->test_suite_name() + "-" + info->name());
}

void CadentTest::TearDown() {
  for (auto& child : children_) child->KillAndReap();
  children_.clear();
  if (dir_.empty()) return;
  if (HasFailure()) {
    std::cerr << "kept the test directory " << dir_ << "\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void TraceRun(const std::vector<std::string>& args, SteadyClock::time_point start) {
  static const bool enabled = std::getenv("CADENT_IT_TRACE") != nullptr;
  if (!enabled) return;
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
  std::string text = "[ trace    ] " + std::to_string(ms) + " ms: cadent";
  for (const std::string& arg : args) text += " " + arg;
  std::cerr << text << "\n";
}

RunResult RunCadent(const std::filesystem::path& cwd, const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout) {
  const auto start = SteadyClock::now();
  std::vector<std::string> argv = {CadentBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult result = Run(argv, After(timeout), SpawnOptions{cwd.string()});
  TraceRun(args, start);
  return result;
}

RunResult CadentTest::Cadent(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout) {
  return RunCadent(dir_, args, timeout);
}

Child& CadentTest::StartCadent(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {CadentBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  children_.push_back(std::make_unique<Child>(argv, SpawnOptions{dir_.string()}));
  return *children_.back();
}

}  // namespace cadent::integration
