#include "engine/secrets.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/common/strings.hpp"

namespace cadent {
namespace {

Status SodiumReady() {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  return OkStatus();
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Result<SecretBox> SecretBox::FromHex(std::string_view hex) {
  TRY(SodiumReady());
  hex = Trim(hex);
  std::array<unsigned char, kKeySize> key{};
  size_t length = 0;
  if (hex.size() != 2 * kKeySize ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &length, nullptr) !=
          0 ||
      length != kKeySize) {
    return absl::InvalidArgumentError(
        StrCat("the secret key must be ", 2 * kKeySize, " hex digits (32 random bytes)"));
  }
  return SecretBox(key);
}

Result<SecretBox> SecretBox::FromFile(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(StrCat("no secret key file ", path));
    return absl::InvalidArgumentError(StrCat(path, ": ", std::strerror(errno)));
  }
  if ((info.st_mode & 077) != 0) {
    return absl::InvalidArgumentError(
        StrCat(path, ": the secret key file must not be readable by others (chmod 600)"));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return absl::InvalidArgumentError(StrCat(path, ": cannot read"));
  Result<SecretBox> box = FromHex(text.str());
  if (!box.ok()) {
    return absl::InvalidArgumentError(StrCat(path, ": ", std::string(box.status().message())));
  }
  return box;
}

Result<SecretBox> SecretBox::LoadOrCreate(const std::string& path) {
  Result<SecretBox> existing = FromFile(path);
  if (!absl::IsNotFound(existing.status())) return existing;
  TRY(SodiumReady());
  std::array<unsigned char, kKeySize> key{};
  randombytes_buf(key.data(), key.size());
  std::string hex(2 * kKeySize + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  hex.back() = '\n';
  // O_EXCL: two processes starting at once do not both make a key; the loser reads the
  // winner's.
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return FromFile(path);
    return absl::InvalidArgumentError(
        StrCat(path, ": cannot create the secret key file: ", std::strerror(errno)));
  }
  const ssize_t written = write(fd, hex.data(), hex.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  sodium_memzero(hex.data(), hex.size());
  if (written != static_cast<ssize_t>(hex.size()) || !synced) {
    unlink(path.c_str());
    return absl::InternalError(StrCat(path, ": cannot write the secret key file"));
  }
  return SecretBox(key);
}

Result<SecretBox> SecretBox::FromEnvironment(const std::string& default_path) {
  if (const char* hex = std::getenv("CADENT_SECRET_KEY"); hex != nullptr && *hex != '\0') {
    Result<SecretBox> box = FromHex(hex);
    if (!box.ok()) {
      return absl::InvalidArgumentError(
          StrCat("CADENT_SECRET_KEY: ", std::string(box.status().message())));
    }
    return box;
  }
  if (const char* file = std::getenv("CADENT_SECRET_KEY_FILE"); file != nullptr && *file != '\0') {
    return FromFile(file);
  }
  return LoadOrCreate(default_path);
}

std::array<unsigned char, SecretBox::kKeySize> SecretBox::SubKey(SecretPurpose purpose,
                                                                 int64_t row_id) const {
  static_assert(crypto_kdf_KEYBYTES == kKeySize && crypto_secretbox_KEYBYTES == kKeySize);
  // crypto_kdf contexts are 8 characters; the row id is the subkey id.
  const char* context = purpose == SecretPurpose::kSenderCredentials ? "cdsender" : "cddkimky";
  std::array<unsigned char, kKeySize> sub{};
  crypto_kdf_derive_from_key(sub.data(), sub.size(), static_cast<uint64_t>(row_id), context,
                             key_.data());
  return sub;
}

std::string SecretBox::Seal(SecretPurpose purpose, int64_t row_id,
                            std::string_view plaintext) const {
  std::array<unsigned char, kKeySize> sub = SubKey(purpose, row_id);
  std::vector<unsigned char> box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                 plaintext.size());
  randombytes_buf(box.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        box.data(), sub.data());
  sodium_memzero(sub.data(), sub.size());
  std::string out(sodium_base64_ENCODED_LEN(box.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), box.data(), box.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::string> SecretBox::Open(SecretPurpose purpose, int64_t row_id,
                                    std::string_view sealed) const {
  std::vector<unsigned char> box(sealed.size() + 1);  // never empty: data() is not null
  size_t length = 0;
  if (sealed.empty() ||
      sodium_base642bin(box.data(), box.size(), sealed.data(), sealed.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return absl::InvalidArgumentError("a sealed secret is damaged (not base64, or too short)");
  }
  std::array<unsigned char, kKeySize> sub = SubKey(purpose, row_id);
  std::string plain(length - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  const int opened = crypto_secretbox_open_easy(
      reinterpret_cast<unsigned char*>(plain.data()), box.data() + crypto_secretbox_NONCEBYTES,
      length - crypto_secretbox_NONCEBYTES, box.data(), sub.data());
  sodium_memzero(sub.data(), sub.size());
  if (opened != 0) {
    return absl::PermissionDeniedError(
        "a sealed secret does not open with this secret key (another key, or tampered with)");
  }
  return plain;
}

}  // namespace cadent
