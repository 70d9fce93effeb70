"""Measurements of simulated activity."""

from ._counts import (
    fano_factor as fano_factor,
    spike_count_correlation as spike_count_correlation,
    spike_counts as spike_counts,
)
from ._fc import (
    fc_correlation as fc_correlation,
    fcd as fcd,
    functional_connectivity as functional_connectivity,
)
from ._filter import bandpass as bandpass
from ._irregularity import cv_isi as cv_isi, power_spectrum as power_spectrum
from ._lfp import lfp_abs_sum as lfp_abs_sum, lfp_proxy as lfp_proxy
from ._neo import (
    to_neo_analogsignal as to_neo_analogsignal,
    to_neo_spiketrains as to_neo_spiketrains,
)
from ._rates import (
    firing_rate as firing_rate,
    population_rate as population_rate,
    smoothed_rate as smoothed_rate,
)
from ._synchrony import golomb_chi as golomb_chi, kuramoto_order as kuramoto_order
from ._van_rossum import van_rossum_distance as van_rossum_distance
