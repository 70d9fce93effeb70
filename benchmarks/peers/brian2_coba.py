"""The COBA benchmark of `benchmarks/coba.py`, run in Brian2 (a peer, not a dynax dependency).

    .venv-brian2/bin/python benchmarks/peers/brian2_coba.py MODE [N ...] [--cache DIR]
                                                            [--threads T]

MODE is `cpp_standalone` (generated C++ compiled with g++ and run as a separate binary)
or `runtime` (Brian's runtime mode with the Cython code-generation target). One JSON row
per N, with the fields of `benchmarks/coba.py` plus "peer", "version", "threads" (the
threads the simulation runs on) and, for cpp_standalone, "openmp_threads" (T).

The network is the one of `dynax.networks.coba_network`: 80 % excitatory / 20 % inhibitory LIF
neurons, tau_m 20 ms, E_l −60 mV, a constant 20 mV drive (v relaxes to −40 mV),
threshold −50 mV, reset −60 mV, refractory 5 ms (v clamped), exponential conductances
(tau_e 5 ms, tau_i 10 ms, E_e 0 mV, E_i −80 mV) in units of the leak conductance, each
spike adding we = 0.6 / wi = 6.7, connection probability 80 / N without self-connections,
v0 uniform in [−60, −50] mV, dt 0.1 ms, 1 s. Integration is `exponential_euler` (v is
updated exactly for the step's conductances, as dynax's default "exp_euler"); Brian's
default would pick forward Euler for these equations, since the g·v products rule out
'exact'.

`--threads T` (cpp_standalone only) sets `prefs.devices.cpp_standalone.openmp_threads = T`:
T > 0 compiles with OpenMP and runs on T threads (Brian's best configuration on a
multi-core CPU, T = the number of cores); T = 0, the default, is the device's default, one
thread without OpenMP. The runtime mode always runs on one thread (its only choice).

Timings:

- cpp_standalone: build_s is the Python-side construction plus the binary's own set-up
  (connectivity generation, initialisation, writing results: its wall time less the
  simulation loop), compile_s is code generation + `make` (a fresh project directory,
  so a cold compile), run_s is Brian's own timing of the simulation loop
  (`device._last_run_time`), first_result_s the wall time from start to spike counts in
  hand. peak_rss_GB is the larger of this Python process and the simulation binary
  (measured alone through `wait4`, not the compiler).
- runtime: build_s is construction including `connect`, compile_s is a `run(0 ms)` (which
  generates and compiles, or loads from the Cython cache, every code object), run_s the
  1 s run. "cython_cache" says whether the cache directory was empty ("cold") or already
  held this network's extensions ("warm"); pass the same `--cache DIR` twice to get both.
"""

import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time

# Run the simulation binary under wait4 so that its own peak RSS is known (the children's
# ru_maxrss would also count the compiler).
_RUSAGE_WRAPPER = r"""
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
with open(os.environ["DYNAX_PEER_RSS_FILE"], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _network(b2, n):
    from brian2 import NeuronGroup, SpikeMonitor, Synapses, ms, mV

    n_exc = int(0.8 * n)
    prob = min(1.0, 80.0 / n)
    ns = {
        "taum": 20 * ms,
        "taue": 5 * ms,
        "taui": 10 * ms,
        "El": -60 * mV,
        "I": 20 * mV,
        "Ee": 0 * mV,
        "Ei": -80 * mV,
        "Vt": -50 * mV,
        "Vr": -60 * mV,
        "we": 0.6,
        "wi": 6.7,
        "prob": prob,
        "n_exc": n_exc,
    }
    eqs = """
    dv/dt = (ge * (Ee - v) + gi * (Ei - v) - (v - El) + I) / taum : volt (unless refractory)
    dge/dt = -ge / taue : 1
    dgi/dt = -gi / taui : 1
    """
    P = NeuronGroup(
        n,
        eqs,
        threshold="v > Vt",
        reset="v = Vr",
        refractory=5 * ms,
        method="exponential_euler",
        namespace=ns,
    )
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0
    P.gi = 0
    Pe, Pi = P[:n_exc], P[n_exc:]
    Ce = Synapses(Pe, P, on_pre="ge += we", namespace=ns)
    Ci = Synapses(Pi, P, on_pre="gi += wi", namespace=ns)
    # Generator syntax: O(#synapses), no N_pre × N_post condition evaluation. Indices i are
    # within the presynaptic subgroup, j within P; skip self-connections as dynax does.
    Ce.connect(j="k for k in sample(N_post, p=prob) if k != i")
    Ci.connect(j="k for k in sample(N_post, p=prob) if k != i + n_exc")
    spikes = SpikeMonitor(Pe, record=False)  # counts only
    return b2.Network(P, Ce, Ci, spikes), spikes, n_exc


def _row(peer, n, build, compile_, run, first, rate, rss_gb, **extra):
    import brian2

    return {
        "model": "COBA",
        "N": n,
        "backend": "cpu",
        "device": "cpu",
        "host": platform.processor() or platform.machine(),
        "build_s": round(build, 3),
        "compile_s": round(compile_, 3),
        "run_s": round(run, 3),
        "first_result_s": round(first, 3),
        "rate_Hz": round(rate, 2),
        "peak_rss_GB": round(rss_gb, 3),
        "peer": peer,
        "version": "brian2 " + brian2.__version__,
        **extra,
    }


def peak_rss_gb() -> float:
    """This process's peak RSS (GB): VmHWM, which, unlike ru_maxrss, does not inherit the
    high-water mark of the process that spawned this one (benchmarks/coba.py, say)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1e6  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def standalone(n, duration_ms=1000.0, seed=0, threads=0):
    import brian2 as b2

    start = time.perf_counter()
    directory = tempfile.mkdtemp(prefix=f"brian2_coba_{n}_")
    rss_file = os.path.join(directory, "binary_maxrss_kb")
    os.environ["DYNAX_PEER_RSS_FILE"] = rss_file
    b2.set_device("cpp_standalone", build_on_run=False, directory=directory)
    b2.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", _RUSAGE_WRAPPER, "./main"]
    b2.prefs.devices.cpp_standalone.openmp_threads = threads  # 0: no OpenMP, one thread
    b2.defaultclock.dt = 0.1 * b2.ms
    b2.seed(seed)
    net, spikes, n_exc = _network(b2, n)
    net.run(duration_ms * b2.ms)  # only records the run in standalone mode
    python_build = time.perf_counter() - start

    t = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False, with_output=False)
    compile_ = time.perf_counter() - t

    t = time.perf_counter()
    b2.device.run(directory=directory, with_output=False, run_args=None)
    count = int(spikes.num_spikes)
    binary_wall = time.perf_counter() - t
    first = time.perf_counter() - start

    run = b2.device._last_run_time
    with open(rss_file) as f:
        binary_rss = int(f.read()) / 1e6
    shutil.rmtree(directory, ignore_errors=True)
    return _row(
        "brian2-cpp-omp" if threads else "brian2-cpp",
        n,
        python_build + (binary_wall - run),
        compile_,
        run,
        first,
        count / n_exc / (duration_ms / 1000.0),
        max(peak_rss_gb(), binary_rss),
        binary_rss_GB=round(binary_rss, 3),
        threads=max(threads, 1),
        openmp_threads=threads,
    )


def runtime(n, cache_dir, duration_ms=1000.0, seed=0):
    import brian2 as b2

    cold = not os.path.isdir(cache_dir) or not os.listdir(cache_dir)
    start = time.perf_counter()
    b2.set_device("runtime")
    b2.prefs.codegen.target = "cython"
    b2.prefs.codegen.runtime.cython.cache_dir = cache_dir
    b2.defaultclock.dt = 0.1 * b2.ms
    b2.seed(seed)
    net, spikes, n_exc = _network(b2, n)
    build = time.perf_counter() - start

    t = time.perf_counter()
    net.run(0 * b2.ms)  # code generation + Cython compilation (or cache loading)
    compile_ = time.perf_counter() - t

    t = time.perf_counter()
    net.run(duration_ms * b2.ms)
    run = time.perf_counter() - t
    count = int(spikes.num_spikes)
    first = time.perf_counter() - start
    return _row(
        "brian2-cython",
        n,
        build,
        compile_,
        run,
        first,
        count / n_exc / (duration_ms / 1000.0),
        peak_rss_gb(),
        cython_cache="cold" if cold else "warm",
        threads=1,
    )


def main(argv):
    usage = "usage: brian2_coba.py {cpp_standalone,runtime} [N ...] [--cache DIR] [--threads T]"
    if not argv or argv[0] not in ("cpp_standalone", "runtime"):
        sys.exit(usage)
    mode, args = argv[0], argv[1:]
    options = {}
    for option in ("--cache", "--threads"):
        if option in args:
            i = args.index(option)
            if i + 1 >= len(args):
                sys.exit(f"{option} needs a value; {usage}")
            options[option] = args[i + 1]
            del args[i : i + 2]
    cache_dir = options.get("--cache")
    try:
        threads = int(options.get("--threads", 0))
    except ValueError:
        sys.exit(f"--threads takes an integer ≥ 0; {usage}")
    if threads < 0:
        sys.exit(f"--threads takes an integer ≥ 0; {usage}")
    if threads and mode != "cpp_standalone":
        sys.exit("--threads applies to cpp_standalone only (the runtime mode runs on one thread)")
    sizes = [int(a) for a in args] or [4000]
    if mode == "cpp_standalone" and len(sizes) > 1:
        # The standalone device builds one project per process.
        sys.exit("cpp_standalone takes one N per process")
    for n in sizes:
        if mode == "cpp_standalone":
            row = standalone(n, threads=threads)
        elif cache_dir is not None:
            row = runtime(n, cache_dir)
        else:
            with tempfile.TemporaryDirectory(prefix="brian2_cython_cache_") as cache:
                row = runtime(n, cache)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
