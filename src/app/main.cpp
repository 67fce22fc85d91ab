// The `cadent` binary.
#include "app/app.hpp"

int main(int argc, char** argv) { return cadent::app::Main(argc, argv); }
