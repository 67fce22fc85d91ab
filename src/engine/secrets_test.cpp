#include "engine/secrets.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace cadent {
namespace {

constexpr std::string_view kKey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

SecretBox Box(std::string_view hex = kKey) {
  Result<SecretBox> box = SecretBox::FromHex(hex);
  EXPECT_TRUE(box.ok()) << box.status();
  return *std::move(box);
}

TEST(SecretBoxTest, OpensOnlyForTheSameKeyPurposeAndRow) {
  const SecretBox box = Box();
  const std::string sealed = box.Seal(SecretPurpose::kSenderCredentials, 7, "hunter2");
  EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
  Result<std::string> opened = box.Open(SecretPurpose::kSenderCredentials, 7, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "hunter2");
  // A fresh nonce each time: the same secret never seals to the same text.
  EXPECT_NE(sealed, box.Seal(SecretPurpose::kSenderCredentials, 7, "hunter2"));

  EXPECT_TRUE(
      absl::IsPermissionDenied(box.Open(SecretPurpose::kSenderCredentials, 8, sealed).status()));
  EXPECT_TRUE(absl::IsPermissionDenied(box.Open(SecretPurpose::kDkimKey, 7, sealed).status()));
  const SecretBox other = Box("ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  EXPECT_TRUE(
      absl::IsPermissionDenied(other.Open(SecretPurpose::kSenderCredentials, 7, sealed).status()));
  std::string tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box.Open(SecretPurpose::kSenderCredentials, 7, tampered).ok());
  EXPECT_TRUE(
      absl::IsInvalidArgument(box.Open(SecretPurpose::kSenderCredentials, 7, "%%%").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(box.Open(SecretPurpose::kSenderCredentials, 7, "").status()));
  EXPECT_EQ(*box.Open(SecretPurpose::kDkimKey, 1, box.Seal(SecretPurpose::kDkimKey, 1, "")), "");
}

TEST(SecretBoxTest, RefusesKeysThatAreNot32HexBytes) {
  for (const std::string_view bad :
       {"", "00", "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00"}) {
    Result<SecretBox> box = SecretBox::FromHex(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(box.status())) << bad;
  }
  EXPECT_TRUE(SecretBox::FromHex(std::string(kKey) + "\n").ok());
}

TEST(SecretBoxTest, LoadOrCreateMakesAPrivateKeyFileOnceAndRereadsIt) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("cadent-secrets-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
       std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "cadent.key").string();
  Result<SecretBox> first = SecretBox::LoadOrCreate(path);
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  Result<SecretBox> again = SecretBox::LoadOrCreate(path);
  ASSERT_TRUE(again.ok()) << again.status();
  const std::string sealed = first->Seal(SecretPurpose::kDkimKey, 3, "pem");
  EXPECT_EQ(*again->Open(SecretPurpose::kDkimKey, 3, sealed), "pem");

  chmod(path.c_str(), 0644);
  Result<SecretBox> exposed = SecretBox::FromFile(path);
  EXPECT_TRUE(absl::IsInvalidArgument(exposed.status()));
  EXPECT_NE(std::string(exposed.status().message()).find("chmod 600"), std::string::npos);
  EXPECT_TRUE(absl::IsNotFound(SecretBox::FromFile((dir / "absent.key").string()).status()));
  std::ofstream((dir / "bad.key").string()) << "not a key";
  chmod((dir / "bad.key").c_str(), 0600);
  EXPECT_TRUE(absl::IsInvalidArgument(SecretBox::FromFile((dir / "bad.key").string()).status()));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cadent
