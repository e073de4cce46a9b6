"""torchrun / DDP set-up: one process per rank when ``WORLD_SIZE`` > 1 (gloo on CPU, nccl on CUDA).

Without torchrun everything here is a no-op on a single rank 0, so the loop calls it unconditionally.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported inside the functions that run it
    import torch


@dataclass(frozen=True)
class Dist:
    rank: int  # global rank
    world: int  # number of processes
    local_rank: int  # rank on this node (GPU index)
    owned: bool  # we initialised the process group (so we tear it down)

    @property
    def main(self) -> bool:
        return self.rank == 0


def init_dist(device: str) -> Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist(0, 1, 0, False)
    import torch.distributed as dist

    owned = False
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device == "cuda" else "gloo")
        owned = True
    return Dist(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")), owned)


def barrier(d: Dist) -> None:
    if d.world > 1:
        import torch.distributed as dist

        dist.barrier()


def all_reduce(d: Dist, tensor: torch.Tensor) -> None:
    """Sum ``tensor`` over the ranks, in place."""
    if d.world > 1:
        import torch.distributed as dist

        dist.all_reduce(tensor)


def close(d: Dist) -> None:
    """Tear the process group down if :func:`init_dist` set it up."""
    if d.owned:
        import torch.distributed as dist

        dist.destroy_process_group()
