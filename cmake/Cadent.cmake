# Helpers that keep each layer's CMakeLists short.
#
# cadent_layer(NAME DIR DEPS...) builds every .cpp under DIR except *_test.cpp and
# *_fuzz.cpp into a static library, and every *_test.cpp into NAME_tests (label unit).

function(cadent_sources out dir)
  file(GLOB_RECURSE all CONFIGURE_DEPENDS "${dir}/*.cpp")
  list(FILTER all EXCLUDE REGEX "_(test|fuzz)\\.cpp$")
  set(${out} ${all} PARENT_SCOPE)
endfunction()

function(cadent_tests out dir)
  file(GLOB_RECURSE all CONFIGURE_DEPENDS "${dir}/*_test.cpp")
  set(${out} ${all} PARENT_SCOPE)
endfunction()

function(cadent_target_defaults target)
  target_compile_options(${target} PRIVATE ${CADENT_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()

# Adds NAME_tests from the *_test.cpp files under DIR, linked to LIBS, labelled LABEL.
function(cadent_test_binary name dir label)
  cadent_tests(tests ${dir})
  if(CADENT_TEST_EXCLUDE)
    list(FILTER tests EXCLUDE REGEX "${CADENT_TEST_EXCLUDE}")
  endif()
  if(NOT tests)
    return()
  endif()
  add_executable(${name}_tests ${tests})
  cadent_target_defaults(${name}_tests)
  target_link_libraries(${name}_tests PRIVATE ${ARGN} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name}_tests PRIVATE
    CADENT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" CADENT_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name}_tests PROPERTIES LABELS ${label} DISCOVERY_TIMEOUT 60)
endfunction()

# Adds a static library from SOURCES (or an INTERFACE library while the layer has no .cpp
# yet, so the dependency graph is declared from day one). Use cadent_link to link it.
function(cadent_library name)
  if(ARGN)
    add_library(${name} STATIC ${ARGN})
    cadent_target_defaults(${name})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
  endif()
endfunction()

# target_link_libraries that uses INTERFACE for header-only layers.
function(cadent_link name)
  get_target_property(type ${name} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set(args ${ARGN})
    list(REMOVE_ITEM args PUBLIC PRIVATE)
    target_link_libraries(${name} INTERFACE ${args})
  else()
    target_link_libraries(${name} ${ARGN})
  endif()
endfunction()
