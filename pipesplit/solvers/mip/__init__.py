"""Integer programs on HiGHS: the sparse model builder (``model``), the contiguous and non-contiguous
throughput programs (``throughput``) and the single-sample latency program (``latency``)."""

from .latency import ip_latency_split
from .throughput import IPOptions, ip_noncontig_split, ip_split

__all__ = ["IPOptions", "ip_latency_split", "ip_noncontig_split", "ip_split"]
