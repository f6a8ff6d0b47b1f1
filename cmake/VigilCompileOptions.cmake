# Project-wide warnings and sanitizers, applied to first-party targets via vigil_target_defaults().
add_library(vigil_compile_options INTERFACE)
target_compile_options(vigil_compile_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                      -Wno-missing-field-initializers)
if(VIGIL_WERROR)
  target_compile_options(vigil_compile_options INTERFACE -Werror)
endif()
if(VIGIL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  # GCC 12's flow analysis reports false maybe-uninitialized warnings in instrumented standard
  # library code (std::function inside std::regex, std::variant); real ones are caught in the
  # optimised build, which keeps the warning.
  target_compile_options(vigil_compile_options INTERFACE -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=address,undefined)
endif()

function(vigil_target_defaults target)
  target_link_libraries(${target} PRIVATE vigil_compile_options)
endfunction()

if(VIGIL_FUZZ)
  # Coverage for libFuzzer on every first-party object; fuzz executables add -fsanitize=fuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
