// The CLI test fixture: runs `cadent` in-process against a real SQLite file in a fresh
// directory, with a fake clock, capturing output and exit code.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "channels/outbox/outbox_channel.hpp"
#include "cli/cli.hpp"
#include "nlohmann/json.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cadent::cli {

namespace fs = std::filesystem;

struct Outcome {
  int code;
  std::string out;
  std::string err;
  nlohmann::json Json() const { return nlohmann::json::parse(out); }
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cadent-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_path_ = (dir_ / "var" / "cadent.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome Cadent(std::vector<std::string> args) {
    std::ostringstream out, err;
    Environment env;
    env.clock = &clock_;
    env.out = &out;
    env.err = &err;
    env.open_database = [](const std::string& path,
                           const Clock& clock) -> Result<std::unique_ptr<Database>> {
      fs::create_directories(fs::path(path).parent_path());
      return storage::sqlite::OpenSqliteDatabase({path}, clock);
    };
    env.open_channel =
        [](const std::string& outbox_dir) -> Result<std::unique_ptr<channels::Channel>> {
      channels::OutboxChannel::Options options;
      options.dir = outbox_dir;
      options.sync = false;
      ASSIGN_OR_RETURN(std::unique_ptr<channels::OutboxChannel> outbox,
                       channels::OutboxChannel::Open(options));
      return std::unique_ptr<channels::Channel>(std::move(outbox));
    };
    args.insert(args.begin(), {"cadent", "--db", db_path_});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    const int code = cli::Run(static_cast<int>(argv.size()), argv.data(), env);
    return {code, out.str(), err.str()};
  }

  std::string Write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  fs::path dir_;
  std::string db_path_;
  FakeClock clock_{FromUnixMicros(1'795'000'000'000'000)};
};

}  // namespace cadent::cli
