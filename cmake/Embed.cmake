# kensa_embed(TARGET name SYMBOL sym FILES f1 f2 ...)
# Generates a C++ source defining `const kensa::EmbeddedFile sym[]` (name, contents) and
# `const std::size_t sym_count`, regenerated whenever one of the files changes.
function(kensa_embed)
  cmake_parse_arguments(E "" "TARGET;SYMBOL" "FILES" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${E_SYMBOL}.cc")
  # A list would be split into separate command arguments; pass it joined with '|'.
  string(REPLACE ";" "|" joined "${E_FILES}")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DSYMBOL=${E_SYMBOL} "-DFILES=${joined}"
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedGenerate.cmake"
    DEPENDS ${E_FILES} "${PROJECT_SOURCE_DIR}/cmake/EmbedGenerate.cmake"
    COMMENT "Embedding ${E_SYMBOL}"
    VERBATIM)
  target_sources(${E_TARGET} PRIVATE "${out}")
endfunction()
