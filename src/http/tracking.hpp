// The routes recipients' mail clients hit: unsubscribe pages, click links and the open pixel. Thin
// handlers over engine/tracking's Tracker; every token is verified before anything is read
// or written, and a bad one answers 404 with no side effect.
#pragma once

#include "engine/tracking.hpp"
#include "http/router.hpp"

namespace cadent::http {

// Adds:
//   GET  /u/{token}       -> 200 a small page with a POST form ("Unsubscribe"); changes
//                            nothing (mail scanners prefetch links). 404 for a bad token.
//   POST /u/{token}       -> the form's POST and the RFC 8058 one-click POST (body
//                            "List-Unsubscribe=One-Click"): unsubscribes at once
//                            (Tracker::Unsubscribe), then 200 "you are unsubscribed".
//                            Idempotent. 404 for a bad token; 400 for a malformed
//                            form-urlencoded body.
//   GET  /t/c/{token}     -> 302 to the link the token names in the message's stored link
//                            table (never a URL from the request); records the click
//                            (flagged when it is machine traffic). 404 for a bad token.
//   GET  /t/o/{token}.gif -> 200 a 1x1 transparent GIF, uncacheable; records the open
//                            (flagged when it is machine traffic). 404 for a bad token.
// `tracker` must outlive the router.
void AddTrackingRoutes(Router& router, Tracker& tracker);

}  // namespace cadent::http
