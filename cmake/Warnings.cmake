# Warning flags for every cadent target (third-party headers are included as SYSTEM).
# Not -Wnull-dereference: with g++ 12 at -O2 it fires inside libstdc++'s own string and
# streambuf code (false positives we cannot fix from here).
set(CADENT_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(CADENT_WERROR)
  list(APPEND CADENT_WARNINGS -Werror)
endif()
