#include "app/app.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "channels/outbox/outbox_channel.hpp"
#include "cli/cli.hpp"
#include "core/common/strings.hpp"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "storage/sqlite/sqlite_database.hpp"

namespace cadent::app {

int Main(int argc, const char* const* argv) {
  // Logs go to stderr; stdout carries results only.
  spdlog::set_default_logger(spdlog::stderr_color_mt("cadent"));
  if (const char* level = std::getenv("CADENT_LOG_LEVEL")) {
    spdlog::set_level(spdlog::level::from_str(level));
  }
  SystemClock system_clock;
  cli::Environment env;
  env.clock = &system_clock;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.err_is_terminal = ::isatty(STDERR_FILENO) == 1;
  env.open_database = [](const std::string& path,
                         const Clock& clock) -> Result<std::unique_ptr<Database>> {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::PermissionDeniedError(
          StrCat("cannot create directory '", parent.string(), "': ", ec.message()));
    }
    return storage::sqlite::OpenSqliteDatabase({path}, clock);
  };
  env.open_channel =
      [](const std::string& outbox_dir) -> Result<std::unique_ptr<channels::Channel>> {
    channels::OutboxChannel::Options options;
    options.dir = outbox_dir;
    ASSIGN_OR_RETURN(std::unique_ptr<channels::OutboxChannel> outbox,
                     channels::OutboxChannel::Open(options));
    return std::unique_ptr<channels::Channel>(std::move(outbox));
  };
  return cli::Run(argc, argv, env);
}

}  // namespace cadent::app
