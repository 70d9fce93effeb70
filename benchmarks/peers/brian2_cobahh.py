"""The COBAHH benchmark of `benchmarks/cobahh.py`, run in Brian2 C++ standalone (a peer,
not a dynax dependency).

    .venv-brian2/bin/python benchmarks/peers/brian2_cobahh.py N [--threads T] [--seed S]

One JSON row, with the fields of `benchmarks/cobahh.py` plus "peer", "version",
"threads", "openmp_threads" and "binary_rss_GB".

The network is the one of `dynax.networks.cobahh_network` (Brette et al. 2007, benchmark
3), written here from the published model: N Hodgkin–Huxley neurons (80 % excitatory) of
20 000 µm² with the Traub–Miles sodium and potassium channels shifted by V_T = −63 mV
(C 200 pF, g_L 10 nS, E_L −60 mV, g_Na 20 µS, E_Na 50 mV, g_K 6 µS, E_K −90 mV),
exponential conductances (τ_e 5 ms, τ_i 10 ms, E_e 0 mV, E_i −80 mV, 6 nS and 67 nS per
spike), connection probability 80 / N without self-connections, no external input.
v0 ~ N(−65 mV, 5 mV) with the gates at their steady state there, conductances at 0, as in
dynax. A spike is an upward crossing of −20 mV (threshold `v > -20 mV`, refractory while
`v > -20 mV`). Integration is `exponential_euler` at dt = 0.1 ms (the gates relax exactly
toward their steady state for the step's v, v exactly for the step's conductances: the
scheme of dynax's default). float64, as Brian computes.

`--threads T` sets `prefs.devices.cpp_standalone.openmp_threads = T` (0, the default: one
thread without OpenMP). Timings as in `brian2_coba.py`: build_s is the Python-side
construction plus the binary's set-up, compile_s code generation + `make` (a fresh
project, a cold compile), run_s Brian's own timing of the simulation loop, first_result_s
the wall time from start to the spike count in hand.
"""

import os
import shutil
import sys
import tempfile
import time

from brian2_coba import _RUSAGE_WRAPPER, _row, peak_rss_gb


def _network(b2, n):
    from brian2 import NeuronGroup, SpikeMonitor, Synapses, ms, mV, nS, pF, uS

    n_exc = int(0.8 * n)
    ns = {
        "C": 200 * pF,
        "g_L": 10 * nS,
        "E_L": -60 * mV,
        "g_Na": 20 * uS,
        "E_Na": 50 * mV,
        "g_K": 6 * uS,
        "E_K": -90 * mV,
        "V_T": -63 * mV,
        "tau_e": 5 * ms,
        "tau_i": 10 * ms,
        "E_e": 0 * mV,
        "E_i": -80 * mV,
        "w_e": 6 * nS,
        "w_i": 67 * nS,
        "prob": min(1.0, 80.0 / n),
        "n_exc": n_exc,
    }
    # Rates in 1/ms of u = v - V_T in mV; exprel(x) = (e^x - 1)/x is finite at x = 0.
    eqs = """
    dv/dt = (g_L * (E_L - v) + g_Na * m**3 * h * (E_Na - v) + g_K * n**4 * (E_K - v)
             + g_e * (E_e - v) + g_i * (E_i - v)) / C : volt
    dm/dt = a_m * (1 - m) - b_m * m : 1
    dh/dt = a_h * (1 - h) - b_h * h : 1
    dn/dt = a_n * (1 - n) - b_n * n : 1
    dg_e/dt = -g_e / tau_e : siemens
    dg_i/dt = -g_i / tau_i : siemens
    u = (v - V_T) / mV : 1
    a_m = 1.28 / exprel((13 - u) / 4) / ms : Hz
    b_m = 1.4 / exprel((u - 40) / 5) / ms : Hz
    a_h = 0.128 * exp((17 - u) / 18) / ms : Hz
    b_h = 4 / (1 + exp((40 - u) / 5)) / ms : Hz
    a_n = 0.16 / exprel((15 - u) / 5) / ms : Hz
    b_n = 0.5 * exp((10 - u) / 40) / ms : Hz
    """
    P = NeuronGroup(
        n,
        eqs,
        threshold="v > -20*mV",
        refractory="v > -20*mV",
        method="exponential_euler",
        namespace=ns,
    )
    P.v = "E_L + (5 * randn() - 5) * mV"
    P.m = "a_m / (a_m + b_m)"
    P.h = "a_h / (a_h + b_h)"
    P.n = "a_n / (a_n + b_n)"
    Pe, Pi = P[:n_exc], P[n_exc:]
    Ce = Synapses(Pe, P, on_pre="g_e += w_e", namespace=ns)
    Ci = Synapses(Pi, P, on_pre="g_i += w_i", namespace=ns)
    Ce.connect(j="k for k in sample(N_post, p=prob) if k != i")
    Ci.connect(j="k for k in sample(N_post, p=prob) if k != i + n_exc")
    spikes = SpikeMonitor(P, record=False)  # counts only
    return b2.Network(P, Ce, Ci, spikes), spikes


def standalone(size, duration_ms=1000.0, seed=0, threads=0):
    import brian2 as b2

    start = time.perf_counter()
    directory = tempfile.mkdtemp(prefix=f"brian2_cobahh_{size}_")
    rss_file = os.path.join(directory, "binary_maxrss_kb")
    os.environ["DYNAX_PEER_RSS_FILE"] = rss_file
    b2.set_device("cpp_standalone", build_on_run=False, directory=directory)
    b2.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", _RUSAGE_WRAPPER, "./main"]
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    b2.defaultclock.dt = 0.1 * b2.ms
    b2.seed(seed)
    net, spikes = _network(b2, size)
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
    row = _row(
        "brian2-cpp-omp" if threads else "brian2-cpp",
        size,
        python_build + (binary_wall - run),
        compile_,
        run,
        first,
        count / size / (duration_ms / 1000.0),
        max(peak_rss_gb(), binary_rss),
        binary_rss_GB=round(binary_rss, 3),
        threads=max(threads, 1),
        openmp_threads=threads,
    )
    row["model"] = "COBAHH"
    return row


def main(argv):
    import json

    usage = "usage: brian2_cobahh.py N [--threads T] [--seed S]"
    args = list(argv)
    options = {"--threads": 0, "--seed": 0}
    for option in options:
        if option in args:
            i = args.index(option)
            try:
                options[option] = int(args[i + 1])
            except (IndexError, ValueError):
                sys.exit(f"{option} takes an integer >= 0; {usage}")
            del args[i : i + 2]
    if len(args) != 1 or min(options.values()) < 0:
        sys.exit(usage)  # the standalone device builds one project per process
    row = standalone(int(args[0]), seed=options["--seed"], threads=options["--threads"])
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
