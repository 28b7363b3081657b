// Empty: the target that builds the test suite's precompiled header needs one source file.
