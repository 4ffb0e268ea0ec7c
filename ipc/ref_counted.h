// Intrusive reference counting for the IPC runtime's objects.
//
// Stubs, proxies, death recipients and connections are shared between user
// handles, parcels, connection tables and in-flight transactions. The object
// is destroyed on the thread that drops the last reference, which is what
// the OpenHarmony API promises for destroy callbacks (ipc_kit.md §2.5).
//
// Rule for callers: never drop a reference that may be the last one while
// holding a runtime lock, because destructors run user callbacks and send
// messages. Collect such references and drop them after unlocking.
#ifndef NCP_IPC_REF_COUNTED_H_
#define NCP_IPC_REF_COUNTED_H_

#include <atomic>
#include <cstdint>
#include <utility>

namespace ncp::ipc {

class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;

  void AddRef() const { refs_.fetch_add(1, std::memory_order_relaxed); }

  // Adds a reference unless the count already reached zero (the object is
  // being destroyed). Used by tables that keep weak pointers.
  bool TryAddRef() const {
    int32_t n = refs_.load(std::memory_order_relaxed);
    while (n > 0) {
      if (refs_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel)) {
        return true;
      }
    }
    return false;
  }

  void Release() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 protected:
  virtual ~RefCounted() = default;

 private:
  mutable std::atomic<int32_t> refs_{1};
};

// Owning pointer to a RefCounted object (like scoped_refptr).
template <typename T>
class Ref {
 public:
  Ref() = default;
  // Adopts a reference the caller already owns (e.g. a fresh `new T`).
  static Ref Adopt(T* p) {
    Ref r;
    r.p_ = p;
    return r;
  }
  // Takes a new reference.
  explicit Ref(T* p) : p_(p) {
    if (p_ != nullptr) p_->AddRef();
  }
  Ref(const Ref& o) : Ref(o.p_) {}
  Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  template <typename U>
  Ref(Ref<U>&& o) noexcept : p_(o.Leak()) {}  // NOLINT: implicit upcast
  Ref& operator=(Ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Ref() { reset(); }

  void reset() {
    if (T* p = std::exchange(p_, nullptr)) p->Release();
  }
  // Gives up ownership of the reference without releasing it.
  T* Leak() { return std::exchange(p_, nullptr); }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

template <typename T, typename... Args>
Ref<T> MakeRef(Args&&... args) {
  return Ref<T>::Adopt(new T(std::forward<Args>(args)...));
}

}  // namespace ncp::ipc

#endif  // NCP_IPC_REF_COUNTED_H_
