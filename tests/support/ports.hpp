// Loopback ports for tests and benchmarks that start real servers (Dovecot, smtp-sink).
#pragma once

#include <cstdint>

namespace cadent::integration {

// A TCP port on 127.0.0.1 that nobody listens on now (0 when none could be had). A server
// given it a moment later may still lose it to another process: its start then fails
// loudly, never passes wrongly.
uint16_t FreeLoopbackPort();

// Whether something accepts TCP connections on 127.0.0.1:port now.
bool AcceptsOnLoopback(uint16_t port);

}  // namespace cadent::integration
