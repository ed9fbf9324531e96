"""Station files. This folder ships as `bench.stations`, so the default sim.toml is embedded."""
