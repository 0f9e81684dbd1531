// The hub's URL and model-info parsing, and the digests an import checks files with.
#include "hub/hub_client.h"

#include <gtest/gtest.h>

#include "core/digest.h"
#include "load/json.h"

namespace strata::hub {
namespace {

TEST(HubUrlTest, RepositoryAndRevision) {
  Result<HubRef> ref = ParseHubUrl("hub://org/model@0123abc");
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  EXPECT_EQ(ref->repo, "org/model");
  EXPECT_EQ(ref->revision, "0123abc");
  ref = ParseHubUrl("hub://gpt2");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->repo, "gpt2");
  EXPECT_EQ(ref->revision, "main");
  EXPECT_EQ(ParseHubUrl("hub://org/model@refs/pr/1")->revision, "refs/pr/1");
}

TEST(HubUrlTest, RefusesWhatIsNotARepository) {
  for (const char* bad :
       {"hf://org/model", "hub://", "hub://org/model@", "hub://../x", "hub://org/../x",
        "hub://a/b/c", "hub:///abs", "hub://org/mo del", "hub://org/model/"}) {
    EXPECT_EQ(ParseHubUrl(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";

std::string Info(std::string siblings) {
  return std::string(R"({"sha": ")") + kCommit + R"(", "siblings": [)" + siblings + "]}";
}

TEST(ModelInfoTest, LfsAndPlainFiles) {
  HubRef ref{"org/model", "main"};
  std::string sha256(64, 'a');
  std::string blob(40, 'b');
  Result<HubSnapshot> snapshot =
      ParseModelInfo(Info(R"({"rfilename": "config.json", "size": 12, "blobId": ")" + blob + R"("},
             {"rfilename": "a/model.safetensors", "size": 134, "blobId": ")" +
                          blob + R"(", "lfs": {"sha256": ")" + sha256 +
                          R"(", "size": 5000000000, "pointerSize": 134}})"),
                     ref);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  EXPECT_EQ(snapshot->commit, kCommit);
  ASSERT_EQ(snapshot->files.size(), 2u);
  EXPECT_EQ(snapshot->files[0].path, "config.json");
  EXPECT_EQ(snapshot->files[0].size_bytes, 12u);
  EXPECT_EQ(snapshot->files[0].sha256, "");
  EXPECT_EQ(snapshot->files[0].blob_id, blob);
  EXPECT_EQ(snapshot->files[1].size_bytes, 5000000000u);  // the LFS size, not the pointer's
  EXPECT_EQ(snapshot->files[1].sha256, sha256);
}

TEST(ModelInfoTest, RefusesUnsafeOrIncompleteAnswers) {
  HubRef ref{"org/model", "main"};
  std::string blob(40, 'b');
  auto file = [&](std::string name) {
    return R"({"rfilename": )" + load::JsonQuote(name) + R"(, "size": 1, "blobId": ")" + blob +
           R"("})";
  };
  for (std::string bad : {"../etc/passwd", "/abs", "a/../../b", "a//b", "a/./b", "dir/", ""}) {
    EXPECT_EQ(ParseModelInfo(Info(file(bad)), ref).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ParseModelInfo(R"({"siblings": []})", ref).ok());  // no commit
  EXPECT_FALSE(ParseModelInfo(Info(R"({"rfilename": "x", "blobId": "b"})"), ref).ok());  // size
  EXPECT_FALSE(ParseModelInfo(Info(R"({"rfilename": "x", "size": 1})"), ref).ok());      // no hash
  EXPECT_FALSE(ParseModelInfo("not json", ref).ok());
  EXPECT_TRUE(ParseModelInfo(Info(file("ok/name with space.txt")), ref).ok());
}

TEST(DigestTest, KnownValues) {
  StreamingDigest sha256 = StreamingDigest::Sha256();
  sha256.Update(std::string_view("ab"));
  sha256.Update(std::string_view("c"));
  EXPECT_EQ(sha256.FinalHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // git hash-object of "hello\n": SHA-1 of "blob 6\0hello\n".
  StreamingDigest git = StreamingDigest::Sha1();
  git.Update(std::string_view("blob 6\0", 7));
  git.Update(std::string_view("hello\n"));
  EXPECT_EQ(git.FinalHex(), "ce013625030ba8dba906f756967f9e9ca394464a");
}

}  // namespace
}  // namespace strata::hub
