"""recyclopt's benchmark suite (lives in the repository, not in the installed package).

``python -m benchmarks [--size small|medium|large] [--json FILE]`` (or ``python -m recyclopt
bench`` in the repository's root) measures, for each case size up to the one asked for, building the
plant MILP, handing it to HiGHS and solving it, with recyclopt's Pyomo model, with its
arrays-only model (what ``optimize`` and the sweeps build) and with the same MILP written
directly against highspy's array API (:mod:`benchmarks.direct`, the yardstick), and reports
every figure as a ratio to the yardstick; then flowsheet throughput.

Modules: :mod:`benchmarks.cases` (the case registry and generator), :mod:`benchmarks.direct`
(the yardstick), :mod:`benchmarks.worker` (one measurement per process),
:mod:`benchmarks.runner` (the suite and its tables), :mod:`benchmarks.flows` (flowsheets),
:mod:`benchmarks.cli` (the command line), :mod:`benchmarks.rss` (resident memory, fair between
methods), :mod:`benchmarks.build_memory` (memory of build + handoff, stage by stage).
"""
