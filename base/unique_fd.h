// Move-only owner of a file descriptor.
//
// Every fd the library creates is owned by a UniqueFd from the moment it
// exists; every fd is created CLOEXEC (see docs/design.md, "fd hygiene").
#ifndef NCP_BASE_UNIQUE_FD_H_
#define NCP_BASE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace ncp {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives up ownership without closing.
  int Release() { return std::exchange(fd_, -1); }

  // Closes the owned fd (if any) and takes `fd`.
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace ncp

#endif  // NCP_BASE_UNIQUE_FD_H_
