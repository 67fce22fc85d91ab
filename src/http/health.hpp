// The liveness and status routes every cadent server answers (/healthz, /status).
#pragma once

#include <functional>

#include "http/router.hpp"
#include "nlohmann/json.hpp"

namespace cadent::http {

// The running binary's version ("0.1.0"), from the CMake project.
std::string_view CadentVersion();

// Adds:
//   GET /healthz -> 200 {"status":"ok"}: the process is up and its event loop answers. Cheap,
//                   touches nothing else, for liveness probes.
//   GET /status  -> 200 {"status":"ok","version":"0.1.0","database":<database_status()>}.
//                   When database_status throws or returns an object whose "ok" is false, the
//                   answer is 503 with the same body, "status" then being "unavailable" (and
//                   "database" {"ok":false,"error":what()} for a throw). An empty callback
//                   leaves "database" null.
// database_status runs on an I/O thread, so it must be quick (a ping, not a scan).
void AddHealthRoutes(Router& router, std::function<nlohmann::json()> database_status);

}  // namespace cadent::http
