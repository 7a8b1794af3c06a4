// `edgereason plot`: a PNG from JSONL logs, and one-line errors for bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"
#include "test_util.h"

namespace edgereason {
namespace {

TEST(PlotCliTest, PlotsAFieldOfEachLogAndRejectsBadInput) {
  const std::string dir = test::MakeTempDir("er-cli-plot");
  {
    std::ofstream a(dir + "/a.jsonl"), b(dir + "/b.jsonl");
    for (int s = 1; s <= 20; ++s) {
      a << R"({"step": )" << s << R"(, "reward": )" << 0.1 * s << "}\n";
      b << R"({"step": )" << s << R"(, "reward": )" << 0.05 * s << R"(, "note": "x"})" << "\n";
    }
    b << R"({"step": 21})" << "\n";  // no reward: skipped
  }
  auto r = test::RunCommand(test::CliPath() + " plot sft=" + dir + "/a.jsonl " + dir +
                                "/b.jsonl --y reward --smooth 5 --out " + dir + "/r.png 2>&1",
                            true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto png = ReadFile(dir + "/r.png");
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(png->substr(0, 8), "\x89PNG\r\n\x1a\n");

  r = test::RunCommand(test::CliPath() + " plot " + dir + "/a.jsonl --y loss --out " + dir + "/l.png 2>&1", true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("has no row with numbers 'step' and 'loss'"), std::string::npos) << r.output;
  {
    std::ofstream bad(dir + "/bad.jsonl");
    bad << "{\"step\": 1, \"loss\": 2}\nnot json\n";
  }
  r = test::RunCommand(test::CliPath() + " plot " + dir + "/bad.jsonl --y loss --out " + dir + "/l.png 2>&1", true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bad.jsonl:2: not a JSON object"), std::string::npos) << r.output;
  r = test::RunCommand(test::CliPath() + " plot " + dir + "/missing.jsonl --y loss --out " + dir + "/l.png 2>&1",
                       true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("cannot open"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgereason
