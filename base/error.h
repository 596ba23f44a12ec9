#pragma once
// Errors that reach the user. An InputError is the user's input being wrong (exit code 2): it
// always names the file and, when known, the line and column, then what was expected.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kensa {

class InputError : public std::runtime_error {
 public:
  // `origin` is a file name or a description such as "<stdin>". line/column are 1-based; 0 =
  // unknown.
  InputError(std::string origin, std::size_t line, std::size_t column, const std::string& what);
  explicit InputError(const std::string& what) : std::runtime_error(what) {}

  const std::string& origin() const { return origin_; }
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }

 private:
  std::string origin_;
  std::size_t line_ = 0;
  std::size_t column_ = 0;
};

// 1-based line and column of byte `offset` in `text` (columns count bytes).
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};
TextPosition position_of(std::string_view text, std::size_t offset);

}  // namespace kensa
