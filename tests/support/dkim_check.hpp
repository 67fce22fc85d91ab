// The independent DKIM verifier for tests: dkimpy (Debian's python3-dkim) through
// tests/support/dkim_verify.py, run as a child process with the key record handed over in
// a file instead of DNS.
#pragma once

#include <string>
#include <string_view>

namespace cadent::integration {

struct DkimVerdict {
  bool valid = false;
  std::string reason;  // dkimpy's stderr
  // The helper itself failed (usage error, did not finish): a broken check, not a verdict.
  bool broken = false;
};

// dkimpy's verdict on the first DKIM-Signature of `message`, the TXT record at `dns_name`
// being `txt`.
DkimVerdict DkimpyVerify(std::string_view message, std::string_view dns_name, std::string_view txt);

}  // namespace cadent::integration
