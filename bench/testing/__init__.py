"""Testing a lab's own profiles on the simulated bench from its own pytest suite: `simbench`
runs them on the real run path, `plugin` gives its fixtures to pytest (the pytest11 entry point)."""
