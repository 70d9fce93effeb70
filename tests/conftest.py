import jax
import pytest


@pytest.fixture
def x64():
    """Run a test in double precision (for accuracy checks against closed forms)."""
    with jax.enable_x64(True):
        yield
