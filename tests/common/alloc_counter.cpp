#include "tests/common/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

// Every replaceable global allocation function is replaced, and all of them allocate with malloc or
// aligned_alloc and release with free. Replacing only some forms breaks the pairing: a form left out
// (say `new (std::nothrow) T[n]`, which simdjson uses) stays the runtime's own, and under ASan that
// runtime's new is then released by our delete, which ASan reports as an alloc-dealloc mismatch.
// The forms: new/new[] x {plain, nothrow} x {unaligned, std::align_val_t}, and delete/delete[] x
// {plain, sized, nothrow} x {unaligned, std::align_val_t}.

// The replacement operators pair malloc with free by design; GCC cannot see that pairing.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<uint64_t> g_allocations{0};
thread_local uint64_t t_allocations = 0;  // trivial type: no TLS constructor, safe inside operator new

void* counted_or_null(std::size_t n) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  ++t_allocations;
  return std::malloc(n == 0 ? 1 : n);
}
void* counted_aligned_or_null(std::size_t n, std::align_val_t a) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  ++t_allocations;
  std::size_t al = static_cast<std::size_t>(a);
  if (al < sizeof(void*)) al = sizeof(void*);
  std::size_t size = (n + al - 1) / al * al;  // aligned_alloc wants a multiple of the alignment
  if (size == 0) size = al;
  return std::aligned_alloc(al, size);
}
void* counted(std::size_t n) {
  if (void* p = counted_or_null(n)) return p;
  throw std::bad_alloc();
}
void* counted_aligned(std::size_t n, std::align_val_t a) {
  if (void* p = counted_aligned_or_null(n, a)) return p;
  throw std::bad_alloc();
}
}  // namespace

namespace dmabot::testing {
uint64_t allocation_count() { return g_allocations.load(std::memory_order_relaxed); }
uint64_t thread_allocation_count() { return t_allocations; }
}  // namespace dmabot::testing

void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_or_null(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_or_null(n); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_or_null(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_or_null(n, a);
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
