// tests/common/alloc_counter.h — counts heap allocations, for the "no allocation after warm-up"
// tests. Link tests/common/alloc_counter.cpp into the test executable (it replaces the global
// operator new/delete for that whole executable, so such tests live in executables of their own).
#pragma once

#include <cstdint>

namespace dmabot::testing {

// Allocations made by any thread since the program started.
uint64_t allocation_count();
// Allocations made by the calling thread (for a thread that shares its process with others that may
// allocate, e.g. an I/O thread beside the gateway thread under test).
uint64_t thread_allocation_count();

}  // namespace dmabot::testing
