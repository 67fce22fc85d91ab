// The store contract suite, run against SQLite (in memory and on disk).
#include <filesystem>

#include "storage/sqlite/sqlite_database.hpp"
#include "storage/testing/store_contract.hpp"

namespace cadent::testing {
namespace {

std::string TempDatabasePath() {
  static int counter = 0;
  const auto dir =
      std::filesystem::temp_directory_path() / ("cadent-contract-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / ("db" + std::to_string(++counter) + ".sqlite");
  std::filesystem::remove(path);
  return path.string();
}

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreContractTest,
    ::testing::Values(BackendFactory{"memory",
                                     [](const Clock& clock) {
                                       return storage::sqlite::OpenSqliteDatabase({":memory:"},
                                                                                  clock);
                                     }},
                      BackendFactory{"file",
                                     [](const Clock& clock) {
                                       return storage::sqlite::OpenSqliteDatabase(
                                           {TempDatabasePath()}, clock);
                                     }}),
    [](const ::testing::TestParamInfo<BackendFactory>& param_info) {
      return param_info.param.name;
    });

}  // namespace
}  // namespace cadent::testing
