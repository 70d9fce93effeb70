"""Event-driven and sparse operators."""

from ._event import event_csr_matvec as event_csr_matvec
