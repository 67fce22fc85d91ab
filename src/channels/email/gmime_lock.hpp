// GMime's one-time initialisation and the process-wide lock every use of GMime in the
// channels library holds (eml.cpp renders and parses our messages; imap/inbound.cpp reads
// what arrives). Internal to the channels library: include it only from .cpp files that
// already include <gmime/gmime.h>.
#pragma once

#include <mutex>

namespace cadent::channels {

// Calls g_mime_init once per process (thread-safe); every GMime use must follow it.
void InitGMime();

// The lock around every GMime call. GMime objects are never shared between threads, and
// GMime's FAQ calls that safe, but GLib synchronises its internals (the slice allocator's
// magazines, the time zone and quark caches) with futexes and atomics in code that
// ThreadSanitizer does not see, so concurrent uses are reported as races; this lock makes
// the ordering visible. Initialises GMime first.
std::unique_lock<std::mutex> LockGMime();

}  // namespace cadent::channels
