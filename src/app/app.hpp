// The composition root: the one place that names concrete backends and wires them into
// the CLI (and through it the server).
#pragma once

namespace cadent::app {

// Runs `cadent` with real clock, SQLite storage and standard streams. Returns the exit code.
int Main(int argc, const char* const* argv);

}  // namespace cadent::app
