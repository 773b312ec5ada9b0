"""Peak memory of a benchmark's own process (Linux VmHWM), shared by the bench scripts."""

import contextlib
import resource


def status_kb(field: str) -> int | None:
    """A field of /proc/self/status in kB (VmRSS, VmHWM), None where there is none."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def reset_peak() -> None:
    """Start measuring the peak afresh: writing 5 to clear_refs resets VmHWM (the peak
    resident memory) to the current resident memory (Linux >= 4.0)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_mb() -> float:
    """The highest resident memory of this process since it started or reset_peak()."""
    kb = status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024
