// The `cadent` binary.
int main() { return 0; }
