"""RL013's bounds, checked against IEEE round-to-nearest-even done by hand.

`reglint/frameworks/precision.py` says a decay step `w·(1 − x)` leaves every weight
unchanged once x < 2^-(p+1), p the significand bits of the parameters' dtype, whether
the factor is rounded first (torch's `param.mul_(1 - lr * wd)`) or the product is per
element (Keras's `w - w * wd * lr`); and that just above the bound float32 decays.
"""

from __future__ import annotations

import random
import struct

import pytest

from reglint.frameworks.precision import SIGNIFICAND_BITS


def _float32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _bfloat16(x: float) -> float:
    bits = struct.unpack("<I", struct.pack("<f", _float32(x)))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000  # round to nearest, ties to even
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def _float16(x: float) -> float:
    return struct.unpack("<e", struct.pack("<e", x))[0]


ROUND = {"float32": _float32, "bfloat16": _bfloat16, "float16": _float16}


def _weights(dtype: str, n: int = 1500):
    rng = random.Random(0)
    return [ROUND[dtype](rng.choice((-1, 1)) * rng.uniform(1e-3, 4.0)) for _ in range(n)]


def _bound(dtype: str) -> float:
    return 2.0 ** -(SIGNIFICAND_BITS[dtype] + 1)


@pytest.mark.parametrize("dtype", sorted(SIGNIFICAND_BITS))
def test_below_the_bound_no_weight_decays(dtype):
    r = ROUND[dtype]
    x = _bound(dtype) * 0.99
    for w in _weights(dtype):
        assert r(w * _float32(1 - x)) == w  # the factor form, op-math in float32
        assert r(w - r(w * x)) == w  # the per-element form


def test_float32_factor_rounds_to_one_exactly_below_the_bound():
    bound = _bound("float32")
    assert _float32(1 - bound * 0.99) == 1.0
    assert _float32(1 - bound * 1.01) == 1 - 2.0 ** -24  # 2^-24 would be the wrong bound


@pytest.mark.parametrize("dtype", sorted(SIGNIFICAND_BITS))
def test_at_twice_the_bound_every_weight_decays(dtype):
    r = ROUND[dtype]
    x = _bound(dtype) * 2.02
    assert all(abs(r(w * _float32(1 - x))) < abs(w) for w in _weights(dtype))
