"""Connectors and connectivity formats."""

from ._csr import CSR as CSR
from ._fan_out import FanOut as FanOut
from ._fixed_prob import FixedProb as FixedProb
