#pragma once
// How every vigil-collector command reports a failure: one line on stderr naming what went wrong,
// then its exit status (1; kExitUsage when the caller's input was at fault).

#include <iostream>

#include "vigil/result.h"

namespace vigil::collector {

inline int command_failed(const Error& error, int status = 1) {
  std::cerr << "vigil-collector: " << error.message << "\n";
  return status;
}

}  // namespace vigil::collector
