"""The figures of bench.chat_latency: one resident's turn, a phase of turns, and the report.

`report` prints the tables and returns the machine-readable line (`chat_latency p50_ms=... ratio_p99=...`)
that the bench prints last: `make bench-chat` users and tests/integration/test_bench_chat.py read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.stats import percentiles, ratio_interval

TARGET_P50_MS = 100.0
TARGET_P99_MS = 500.0
TARGET_RATIO = 1.3


@dataclass
class Turn:
    label: str
    latency_ms: float  # first answer's `at` - wall clock before the request
    accepted_ms: float  # request returned (webhook answered 200 / signal-with-start accepted)
    polls: int  # inbox requests made while waiting


@dataclass
class Phase:
    turns: list[Turn]
    seconds: float
    cpu: dict[str, float]  # CPU seconds used per process during the phase
    load: tuple[float, float]  # 1-minute load average before and after

    @property
    def latencies(self) -> list[float]:
        return [t.latency_ms for t in self.turns]


def pooled(phases: list[Phase]) -> Phase:
    cpu: dict[str, float] = {}
    for phase in phases:
        for name, value in phase.cpu.items():
            cpu[name] = cpu.get(name, 0.0) + value
    return Phase(
        [t for p in phases for t in p.turns],
        sum(p.seconds for p in phases),
        cpu,
        (phases[0].load[0], phases[-1].load[1]),
    )


def row(name: str, values: list[float]) -> str:
    p = percentiles(values)
    return f"{name:<26} {len(values):>5} {p['p50']:>8.1f} {p['p90']:>8.1f} {p['p99']:>8.1f} {p['max']:>8.1f}"


def report(chats: list[Phase], skeletons: list[Phase]) -> str:
    chat, skeleton = pooled(chats), pooled(skeletons)
    c, s = percentiles(chat.latencies), percentiles(skeleton.latencies)
    ratio_p50, ratio_p99 = c["p50"] / s["p50"], c["p99"] / s["p99"]
    print()
    if len(chats) > 1:
        print("each round on its own (p50 / p99 ms):")
        for r, (rc, rs) in enumerate(zip(chats, skeletons, strict=True), 1):
            pc, ps = percentiles(rc.latencies), percentiles(rs.latencies)
            print(
                f"  round {r}: chat {pc['p50']:.1f} / {pc['p99']:.1f}, skeleton {ps['p50']:.1f} / {ps['p99']:.1f}, "
                f"ratio {pc['p50'] / ps['p50']:.2f} / {pc['p99'] / ps['p99']:.2f}"
            )
        print()
    print("all rounds pooled:")
    print(f"{'latency (ms)':<26} {'count':>5} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}")
    print(row("chat", chat.latencies))
    print(row("skeleton", skeleton.latencies))
    print()
    print("breakdown:")
    by_label: dict[str, list[float]] = {}
    for t in chat.turns:
        kind = "chat answer1-10" if t.label.startswith("answer") else f"chat {t.label}"
        by_label.setdefault(kind, []).append(t.latency_ms)
    for t in skeleton.turns:
        by_label.setdefault(f"skeleton {t.label} turn", []).append(t.latency_ms)
    for name, values in by_label.items():
        print(row(f"  {name}", values))
    print(row("  chat webhook answered", [t.accepted_ms for t in chat.turns]))
    print(row("  skeleton signal accepted", [t.accepted_ms for t in skeleton.turns]))
    print()
    for name, phase in (("chat", chat), ("skeleton", skeleton)):
        turns_per_s = len(phase.turns) / phase.seconds
        polls_per_s = sum(t.polls for t in phase.turns) / phase.seconds
        cpu = ", ".join(f"{k} {v:.1f}" for k, v in sorted(phase.cpu.items(), key=lambda kv: -kv[1]))
        print(
            f"{name}: {phase.seconds:.1f} s, {turns_per_s:.0f} turns/s, {polls_per_s:.0f} inbox polls/s, "
            f"load {phase.load[0]:.2f} -> {phase.load[1]:.2f}; CPU s: {cpu}"
        )
    print("  (bench = this process: the residents' HTTP driver and the skeleton's signal-with-start calls)")
    print()
    ratio_ok = ratio_p50 <= TARGET_RATIO and ratio_p99 <= TARGET_RATIO
    ratio_value = f"p50 {ratio_p50:.2f}, p99 {ratio_p99:.2f}"
    if len(chats) > 1:
        chat_rounds = [rc.latencies for rc in chats]
        skeleton_rounds = [rs.latencies for rs in skeletons]
        i50 = ratio_interval(chat_rounds, skeleton_rounds, "p50")
        i99 = ratio_interval(chat_rounds, skeleton_rounds, "p99")
        print(
            f"ratio chat:skeleton if these {i99.rounds} rounds were run again ({i99.level:.0%} of "
            f"{i99.resamples} redraws of whole rounds): p50 {i50}, p99 {i99}"
        )
        ratio_value += f"; {i99.level:.0%} interval p99 {i99}"
        print()
    verdicts = [
        (f"chat p50 <= {TARGET_P50_MS:.0f} ms", c["p50"] <= TARGET_P50_MS, f"{c['p50']:.1f}"),
        (f"chat p99 <= {TARGET_P99_MS:.0f} ms", c["p99"] <= TARGET_P99_MS, f"{c['p99']:.1f}"),
        (f"ratio chat:skeleton <= {TARGET_RATIO}", ratio_ok, ratio_value),
    ]
    for what, ok, value in verdicts:
        print(f"target {what:<28} {'met' if ok else 'MISSED':<7} ({value})")
    return (
        f"chat_latency p50_ms={c['p50']:.1f} p99_ms={c['p99']:.1f} skeleton_p50_ms={s['p50']:.1f} "
        f"skeleton_p99_ms={s['p99']:.1f} ratio_p50={ratio_p50:.2f} ratio_p99={ratio_p99:.2f}"
    )
