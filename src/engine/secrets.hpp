// Secrets at rest: sender credentials and DKIM private keys are sealed with libsodium's
// crypto_secretbox (XSalsa20-Poly1305) before they reach the database, under a key derived
// from a master key kept outside it (a file or an environment variable) and from the row
// they belong to. A sealed value copied to another row, or read with another master key,
// does not open.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace cadent {

// What a sealed value belongs to; part of its key.
enum class SecretPurpose : uint8_t { kSenderCredentials, kDkimKey };

class SecretBox {
 public:
  static constexpr size_t kKeySize = 32;

  // The master key: 32 bytes written as 64 hex digits (surrounding whitespace ignored).
  static Result<SecretBox> FromHex(std::string_view hex);
  // Reads the key file. kNotFound when it does not exist; kInvalidArgument naming the file
  // when it does not hold a key or is readable by others (it must be mode 0600 or stricter).
  static Result<SecretBox> FromFile(const std::string& path);
  // Reads the key file, or makes it (mode 0600, a fresh random key) when it does not exist.
  static Result<SecretBox> LoadOrCreate(const std::string& path);
  // Where the key comes from: $CADENT_SECRET_KEY (hex) when set, else the file
  // $CADENT_SECRET_KEY_FILE, else `default_path` (made on first use).
  static Result<SecretBox> FromEnvironment(const std::string& default_path);

  // base64(nonce || secretbox(plaintext)) under the key for (purpose, row id).
  std::string Seal(SecretPurpose purpose, int64_t row_id, std::string_view plaintext) const;
  // kInvalidArgument when the value is not base64 or too short; kPermissionDenied when it
  // does not open (another key, another row, or tampered with).
  Result<std::string> Open(SecretPurpose purpose, int64_t row_id, std::string_view sealed) const;

 private:
  explicit SecretBox(const std::array<unsigned char, kKeySize>& key) : key_(key) {}
  std::array<unsigned char, kKeySize> SubKey(SecretPurpose purpose, int64_t row_id) const;
  std::array<unsigned char, kKeySize> key_;
};

}  // namespace cadent
