// Renders templates with the Python reference (render_chat_template.py, run
// with Debian's /usr/bin/python3 and its python3-jinja2) so tests can compare
// edgereason's output byte for byte.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edgereason::test {

struct ReferenceCase {
  std::string template_source;
  nlohmann::ordered_json context;
};

struct ReferenceResult {
  bool ok = false;
  std::string output;  // the rendering when ok
  std::string error;   // the Python exception when not
};

// Empty when /usr/bin/python3 can import jinja2; otherwise what is missing
// and how to install it.
std::string ReferenceUnavailableReason();

// Renders all cases in one Python run. On failure of the run itself returns
// an empty vector and sets `problem`.
std::vector<ReferenceResult> RenderWithReference(const std::vector<ReferenceCase>& cases,
                                                 std::string& problem);

}  // namespace edgereason::test
