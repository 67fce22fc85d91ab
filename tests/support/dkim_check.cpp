#include "support/dkim_check.hpp"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "support/subprocess.hpp"

namespace cadent::integration {
namespace {

void WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

DkimVerdict DkimpyVerify(std::string_view message, std::string_view dns_name,
                         std::string_view txt) {
  std::string pattern = (std::filesystem::temp_directory_path() / "dkim_check.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return DkimVerdict{false, "mkdtemp failed", true};
  const std::filesystem::path dir = pattern;
  WriteFile(dir / "message.eml", message);
  WriteFile(dir / "key.txt", txt);
  const RunResult run =
      Run({"/usr/bin/python3", CADENT_SOURCE_DIR "/tests/support/dkim_verify.py",
           (dir / "message.eml").string(), std::string(dns_name), (dir / "key.txt").string()},
          After(std::chrono::seconds(60)));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  DkimVerdict verdict;
  verdict.reason = run.err;
  // 2 = usage error: the helper itself is broken, which must not pass as "invalid".
  verdict.broken = run.status.timed_out || !run.status.exited || run.status.code == 2;
  if (verdict.broken) verdict.reason = run.status.Describe() + ": " + run.err;
  verdict.valid = run.status.Success() && run.out == "valid\n";
  return verdict;
}

}  // namespace cadent::integration
