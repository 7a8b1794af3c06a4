// An RGB raster and its PNG encoding (8-bit truecolor, zlib-compressed, one
// "none" filter byte per row), enough for the evaluation's plots without a
// plotting library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgereason {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

class RgbImage {
 public:
  RgbImage(int width, int height, Rgb fill = {255, 255, 255});

  int width() const { return width_; }
  int height() const { return height_; }
  // Pixels outside the image are ignored.
  void Set(int x, int y, Rgb c);
  Rgb Get(int x, int y) const;
  void FillRect(int x0, int y0, int x1, int y1, Rgb c);
  // A line `thickness` pixels wide (Bresenham, square pen).
  void Line(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1);
  // Text in the built-in 5×7 font scaled by `scale`; lower case prints as
  // upper case, unknown characters as blanks. Returns the width drawn.
  int Text(int x, int y, const std::string& text, Rgb c, int scale = 1);
  static int TextWidth(const std::string& text, int scale = 1) {
    return static_cast<int>(text.size()) * 6 * scale;
  }

  // The PNG file bytes.
  std::string EncodePng() const;

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;  // [height][width][3]
};

}  // namespace edgereason
