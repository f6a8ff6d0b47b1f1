# Project-wide warnings and sanitizers, applied to first-party targets via vigil_target_defaults().
add_library(vigil_compile_options INTERFACE)
target_compile_options(vigil_compile_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                      -Wno-missing-field-initializers)
if(VIGIL_WERROR)
  target_compile_options(vigil_compile_options INTERFACE -Werror)
endif()
if(VIGIL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(vigil_target_defaults target)
  target_link_libraries(${target} PRIVATE vigil_compile_options)
endfunction()
