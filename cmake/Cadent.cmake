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
