#pragma once
// A file compiled into the binary by cmake/Embed.cmake.
#include <cstddef>
#include <string_view>

namespace kensa {

struct EmbeddedFile {
  std::string_view name;      // file name without directory, e.g. "en303645.yaml"
  std::string_view contents;  // the file's bytes
};

}  // namespace kensa
