// Recursive-descent parser from tokens (jinja_lexer.h) to the syntax tree
// (jinja_ast.h), following Jinja's grammar and operator precedence.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "tokenizer/jinja_ast.h"

namespace edgereason::jinja {

// Lexes and parses; errors read "<origin>:<line>:<column>: <what>".
Result<std::unique_ptr<Template>> ParseTemplate(const std::string& source,
                                                const std::string& origin);

}  // namespace edgereason::jinja
