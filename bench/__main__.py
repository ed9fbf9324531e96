"""`python -m bench`: the `bench` command, for an environment whose scripts are not on PATH."""
from bench.cli.entry import main

if __name__ == "__main__":  # not when a tool imports every module of the package
    main()
