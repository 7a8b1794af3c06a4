// Atomic writes leave the whole file or nothing; CreateDirectories makes
// missing parents and names the directory it could not create.
#include "base/file.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace edgereason {
namespace {

TEST(FileTest, WriteFileAtomicReplacesTheWholeFile) {
  const std::string path = test::MakeTempDir("er-file") + "/a.txt";
  ASSERT_TRUE(WriteFileAtomic(path, "first version, longer").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second").ok());
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "second");
}

TEST(FileTest, CreateDirectoriesMakesParentsAndReportsFailures) {
  const std::string dir = test::MakeTempDir("er-file-dirs");
  ASSERT_TRUE(CreateDirectories(dir + "/a/b/c").ok());
  EXPECT_TRUE(IsDirectory(dir + "/a/b/c"));
  EXPECT_TRUE(CreateDirectories(dir + "/a/b/c").ok());  // already there
  ASSERT_TRUE(WriteFileAtomic(dir + "/plain", "x").ok());
  const Status s = CreateDirectories(dir + "/plain/sub");  // a file in the way
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(dir + "/plain/sub"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace edgereason
