"""What the fuzz modules share: how many examples a property draws, the outcome of one try, and the counts
printed at the end of a module.

``FFX_FUZZ_EXAMPLES`` scales every property (default 40, drawn the same on every run); set, the examples
are random, for longer runs by hand.
"""

from __future__ import annotations

import collections
import os
import time

import pytest
from hypothesis import HealthCheck, settings

from ffx.errors import FfxError

EXAMPLES = int(os.environ.get("FFX_FUZZ_EXAMPLES", "40"))
FAST = settings(max_examples=EXAMPLES, deadline=5000, derandomize=not os.environ.get("FFX_FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])
SLOW = settings(FAST, deadline=20000)


class Tally:
    """Tries per surface, by outcome (``results``, ``refusals``, ...), and the seconds they took."""

    def __init__(self, title: str):
        self.title = title
        self.counts: collections.defaultdict = collections.defaultdict(collections.Counter)
        self.seconds: collections.Counter = collections.Counter()

    def count(self, surface: str, name: str, seconds: float = 0.0) -> None:
        self.counts[surface][name] += 1
        self.seconds[surface] += seconds

    def outcome(self, surface: str, action, limit: float = 30.0):
        """Run ``action``: its result, or the FfxError it raised (counted as a refusal, returned); anything
        else fails the test, as does a try longer than ``limit`` seconds or a message that is not a line."""
        started = time.monotonic()
        try:
            result = action()
        except FfxError as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            assert first and len(first) <= 1000, f"{surface}: {type(exc).__name__} without a readable line"
            self.count(surface, "refusals", time.monotonic() - started)
            return exc
        finally:
            took = time.monotonic() - started
            assert took < limit, f"{surface} took {took:.1f} s"
        self.count(surface, "results", time.monotonic() - started)
        return result

    def reporter(self):
        """A module fixture printing the counts once the module's tests ran: ``report = TALLY.reporter()``."""

        @pytest.fixture(scope="module", autouse=True)
        def report(request):
            yield
            writer = request.config.pluginmanager.get_plugin("terminalreporter")
            capture = request.config.pluginmanager.get_plugin("capturemanager")
            if writer is None or capture is None or not self.counts:
                return
            with capture.global_and_fixture_disabled():
                writer.write_line("")
                writer.write_sep("-", f"{self.title}: tries -> results, refusals")
                for surface, outcomes in sorted(self.counts.items()):
                    writer.write_line(f"{surface}: {sum(outcomes.values())} tries -> " + ", ".join(
                        f"{name} {count}" for name, count in sorted(outcomes.items()))
                        + f" ({self.seconds[surface]:.1f} s)")
                total = sum(sum(outcomes.values()) for outcomes in self.counts.values())
                writer.write_line(f"in all: {total} tries, {sum(self.seconds.values()):.1f} s")

        return report
