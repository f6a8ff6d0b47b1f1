# Every third-party dependency, from Debian 12 packages (scripts/bootstrap installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Boost 1.74 REQUIRED)  # headers: Beast and Asio for the console
find_package(spdlog CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(tomlplusplus CONFIG REQUIRED)
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)  # header-only; Debian installs it in /usr/include
endif()
find_package(doctest CONFIG QUIET)
if(NOT doctest_FOUND)
  add_library(doctest::doctest INTERFACE IMPORTED)
endif()
pkg_check_modules(HYPERSCAN REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(CURL REQUIRED)  # urgent alerts: webhook (HTTPS) and email (SMTP)

find_program(VIGIL_PROTOC protoc REQUIRED)
find_program(VIGIL_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

# gRPC for vigil-delivery. It starts afresh for every burst of exchanges with the collector
# (heartbeats included): resolving gRPC's and Abseil's ~50 shared libraries took half of each
# start, so it links the static archives Debian ships when they are installed (measured: a
# heartbeat exchange 26 -> 15 ms of CPU). The price: a Debian security update to gRPC reaches it
# only when Vigil is rebuilt, so only this client, which talks to nothing but the school's own
# collector under mutual TLS, does so; the collector, which listens on the network, and OpenSSL
# stay shared. VIGIL_STATIC_GRPC=OFF links the shared libraries here too.
option(VIGIL_STATIC_GRPC "link gRPC and Abseil statically into vigil-delivery when their archives are installed" ON)
add_library(vigil_grpc_client INTERFACE)
set(vigil_grpc_archives)
if(VIGIL_STATIC_GRPC)
  foreach(name grpc++ grpc gpr upb address_sorting re2 cares)
    find_library(VIGIL_STATIC_LIB_${name} NAMES lib${name}.a)
    if(VIGIL_STATIC_LIB_${name})
      list(APPEND vigil_grpc_archives ${VIGIL_STATIC_LIB_${name}})
    else()
      set(vigil_grpc_archives)
      break()
    endif()
  endforeach()
  if(vigil_grpc_archives)
    get_filename_component(vigil_grpc_archive_dir ${VIGIL_STATIC_LIB_grpc} DIRECTORY)
    file(GLOB vigil_absl_archives ${vigil_grpc_archive_dir}/libabsl_*.a)
    list(APPEND vigil_grpc_archives ${vigil_absl_archives})
  endif()
endif()
if(vigil_grpc_archives)
  target_link_libraries(vigil_grpc_client INTERFACE -Wl,--start-group ${vigil_grpc_archives} -Wl,--end-group
    protobuf::libprotobuf OpenSSL::SSL OpenSSL::Crypto z Threads::Threads)
  message(STATUS "gRPC for vigil-delivery: static archives")
else()
  target_link_libraries(vigil_grpc_client INTERFACE gRPC::grpc++)
  message(STATUS "gRPC for vigil-delivery: shared libraries")
endif()
