"""powerbench benchmarks, run by `python -m benchmarks` (see benchmarks/README.md).

Each module with `run(repeat) -> list[dict]` is one benchmark. `QUICK` is set by `--quick`:
a module may read it to shrink its workload (a smoke run, not for the results table).
"""
QUICK = False
