#include "store/s3_config.h"

#include <cstdlib>

#include "store/s3_xml.h"
#include "support/test_util.h"

namespace strata::store {
namespace {

using testing::StatusIs;

class S3ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("AWS_ACCESS_KEY_ID", "AK", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
    ::unsetenv("AWS_REGION");
    ::unsetenv("AWS_DEFAULT_REGION");
  }
};

TEST_F(S3ConfigTest, AnEndpointMeansPathStyle) {
  Result<S3Config> c =
      ParseS3Url("s3://weights/strata/v1/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1");
  ASSERT_OK(c);
  EXPECT_EQ(c->bucket, "weights");
  EXPECT_EQ(c->prefix, "strata/v1");
  EXPECT_EQ(c->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_TRUE(c->path_style);
  EXPECT_EQ(c->access_key, "AK");
}

TEST_F(S3ConfigTest, AwsItselfIsVirtualHostedUnlessAsked) {
  ::setenv("AWS_REGION", "us-west-2", 1);
  Result<S3Config> c = ParseS3Url("s3://b");
  ASSERT_OK(c);
  EXPECT_EQ(c->endpoint, "https://s3.us-west-2.amazonaws.com");
  EXPECT_FALSE(c->path_style);
  EXPECT_TRUE(ParseS3Url("s3://b?addressing=path")->path_style);
  EXPECT_FALSE(ParseS3Url("s3://b?endpoint=http://h&addressing=virtual")->path_style);
}

TEST_F(S3ConfigTest, BadUrlsSayWhatIsWrong) {
  EXPECT_THAT(ParseS3Url("s3://"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParseS3Url("s3://b?endpoint=ftp://x"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParseS3Url("s3://b?addressing=sideways"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParseS3Url("s3://b?connections=0"), StatusIs(Code::kInvalidArgument));
  Status unknown = ParseS3Url("s3://b?bogus=1").status();
  EXPECT_THAT(unknown.message(), ::testing::HasSubstr("unknown parameter 'bogus'"));
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  Status creds = ParseS3Url("s3://b").status();
  EXPECT_THAT(creds.message(), ::testing::HasSubstr("AWS_SECRET_ACCESS_KEY"));
}

TEST(S3XmlTest, FindsElementsAndDecodesText) {
  std::string xml =
      "<R><Contents><Key>a&amp;b</Key><Size>3</Size></Contents><Contents><Key>&#x263A;</Key>"
      "</Contents><ContentsX>no</ContentsX><Empty/><IsTruncated>true</IsTruncated></R>";
  std::vector<std::string_view> contents = XmlElements(xml, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(XmlText(contents[0], "Key"), "a&b");
  EXPECT_EQ(XmlText(contents[1], "Key"), "\xE2\x98\xBA");
  EXPECT_EQ(XmlText(xml, "Empty"), "");
  EXPECT_EQ(XmlText(xml, "Missing"), std::nullopt);
  EXPECT_EQ(XmlText(xml, "IsTruncated"), "true");
}

TEST(S3XmlTest, ParsesIso8601Times) {
  EXPECT_EQ(*ParseIso8601("1970-01-01T00:00:01.500Z"), 1500000000);
  EXPECT_EQ(*ParseIso8601("2026-11-23T10:48:26Z"), 1795430906LL * 1000000000);
  EXPECT_THAT(ParseIso8601("yesterday"), StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace strata::store
