#pragma once

#include <stdexcept>
#include <string>

namespace powlab {

// Input that cannot be read or parsed (the CLI's exit code 2). The message names the problem.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace powlab
