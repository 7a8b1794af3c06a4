#include "jinja_reference.h"

#include <fstream>

#include "test_util.h"

namespace edgereason::test {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

std::string ScriptPath() { return SourcePath("tests/tokenizer/render_chat_template.py"); }

}  // namespace

std::string ReferenceUnavailableReason() {
  CommandResult probe = RunCommand(std::string(kPython) + " -c 'import jinja2' 2>&1");
  if (probe.exit_code == 0) return "";
  return std::string(kPython) +
         " cannot import jinja2, which the chat template tests compare against; run "
         "scripts/setup.sh "
         "(it installs python3-jinja2). Output: " +
         probe.output;
}

std::vector<ReferenceResult> RenderWithReference(const std::vector<ReferenceCase>& cases,
                                                 std::string& problem) {
  nlohmann::ordered_json batch = nlohmann::ordered_json::array();
  for (const ReferenceCase& c : cases) {
    batch.push_back({{"template", c.template_source}, {"context", c.context}});
  }
  std::string dir = MakeTempDir("edgereason-jinja");
  std::string cases_path = dir + "/cases.json";
  {
    std::ofstream out(cases_path, std::ios::binary);
    out << batch.dump();
  }
  CommandResult run =
      RunCommand(std::string(kPython) + " " + ScriptPath() + " --batch " + cases_path, true);
  std::remove(cases_path.c_str());
  std::remove(dir.c_str());
  if (run.exit_code != 0) {
    problem = "reference renderer failed: " + run.output;
    return {};
  }
  nlohmann::json parsed = nlohmann::json::parse(run.output, nullptr, false);
  if (!parsed.is_array() || parsed.size() != cases.size()) {
    problem = "reference renderer printed something unexpected: " + run.output.substr(0, 500);
    return {};
  }
  std::vector<ReferenceResult> results;
  for (const auto& item : parsed) {
    ReferenceResult r;
    r.ok = item.value("ok", false);
    r.output = item.value("output", "");
    r.error = item.value("error", "");
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace edgereason::test
