#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace kensa {

// Whole file as bytes; throws InputError naming the path when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Writes `contents` to a temporary file beside `path`, flushes it and renames it over `path`, so a
// reader never sees half a report and a failed write leaves the old file intact. Throws
// std::runtime_error on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace kensa
