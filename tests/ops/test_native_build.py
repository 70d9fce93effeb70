"""The compiled CPU kernels build wherever there is a C++ compiler.

The kernels' own tests skip when the kernels are not available, so a source file that
stopped compiling would pass them silently; here it fails, with the compiler's message.
"""

import os

import jax
import pytest

from dynax.ops import _dense, _native

turned_off = os.environ.get("DYNAX_NATIVE", "1").strip().lower() in ("0", "false", "no", "off")


@pytest.mark.skipif(
    jax.default_backend() != "cpu" or _native._compiler() is None or turned_off,
    reason="the kernels are built on a CPU with a C++ compiler, unless DYNAX_NATIVE=0",
)
@pytest.mark.parametrize("kernels", [_native, _dense], ids=["event.cc", "dense.cc"])
def test_kernels_build_where_there_is_a_compiler(kernels):
    library, why = kernels._library()
    assert library is not None, why
