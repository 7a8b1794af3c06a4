// Numbers and arithmetic in running text ("it costs 1,000.99 €", "13/28",
// "2,74 $"), read the way people write them: thousands groups separated by
// commas or spaces, a decimal comma, a leading ".5", and percent words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace edgereason::verify {

struct NumberInText {
  size_t begin = 0, end = 0;
  std::string value;  // plain ASCII: "-1000.99", "13/28"
};

// Every number or arithmetic expression in `text`, left to right, without
// overlaps. A number glued to a letter before it ("XDY2K") is not one.
std::vector<NumberInText> FindNumbers(std::string_view text);

}  // namespace edgereason::verify
