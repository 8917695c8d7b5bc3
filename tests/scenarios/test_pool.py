"""Chunk sizes of guided scheduling (recyclopt.scenarios.pool)."""

from __future__ import annotations

from recyclopt.scenarios.pool import CHUNKS_AHEAD, MAX_CHUNK, chunk_size


def _sizes(total: int, workers: int) -> list[int]:
    out, left = [], total
    while left:
        out.append(chunk_size(left, workers))
        left -= min(out[-1], left)
    return out


def test_guided_chunks_cover_the_sweep_and_shrink_towards_its_end():
    sizes = _sizes(2000, 2)
    assert sum(sizes) >= 2000 and sum(sizes[:-1]) < 2000
    assert sizes[0] == MAX_CHUNK  # 2000 / (4 x 2) = 250, capped
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] == 1
    # by hand: 20 left for 2 workers -> ceil(20 / 8) = 3
    assert CHUNKS_AHEAD == 4 and chunk_size(20, 2) == 3


def test_a_fixed_chunk_size_wins():
    assert chunk_size(2000, 2, fixed=7) == 7
    assert chunk_size(0, 3) == 1
