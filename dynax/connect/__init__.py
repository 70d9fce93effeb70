"""Connectors and connectivity formats."""

from ._csr import CSR as CSR
from ._fixed_prob import FixedProb as FixedProb
