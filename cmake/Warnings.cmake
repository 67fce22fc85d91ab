# Warning flags for every cadent target (third-party headers are included as SYSTEM).
set(CADENT_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(CADENT_WERROR)
  list(APPEND CADENT_WARNINGS -Werror)
endif()
