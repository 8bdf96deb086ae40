#!/usr/bin/env python3
"""Drain3 run side by side with our miner (peer for bench/loghub.ts and bench/miner-speed.ts).

Reads JSON from stdin: {"systems": {"<S>": ["message", ...]}, "configs": ["default", "masked"],
"mode": "accuracy"|"speed"} and prints JSON: {"version": "...", "configs": {"<config>": {"<S>": {"templates":
[...per line...], "seconds": s, "cpuSeconds": s, "lines": n, "clusters": k}}}}: wall-clock and CPU
seconds (time.process_time) of the loop, the latter less disturbed by other work on a shared machine. One run per call and configuration, each with a
fresh TemplateMiner: the caller alternates calls with its own runs, so both sides see the same machine load.
"templates" are each line's cluster template after all lines were added (as Drain/logparser report them);
in "speed" mode they are not returned.

Configurations:
- "default": TemplateMinerConfig() as Drain3 ships it (depth 4, sim_th 0.4, max_children 100, no masking,
  numeric tokens parametrised), only the mask markers set to <...> so that its templates compare with the
  ground truth's <*>.
- "masked": the same plus the masking list of Drain3's examples/drain3.ini (ID, IP, SEQ, HEX, NUM), every mask
  written as <*>.
"""
import json
import sys
import time

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

try:
    from importlib.metadata import version as _version

    DRAIN3_VERSION = _version("drain3")
except Exception:  # pragma: no cover
    DRAIN3_VERSION = "unknown"

EXAMPLE_MASKS = [
    r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)",  # ID
    r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)",  # IP
    r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)",  # SEQ
    r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)",  # SEQ
    r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)",  # HEX
    r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)",  # NUM
]


def make_miner(name: str) -> TemplateMiner:
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    config.mask_prefix = "<"
    config.mask_suffix = ">"
    if name == "masked":
        config.masking_instructions = [MaskingInstruction(p, "*") for p in EXAMPLE_MASKS]
    elif name != "default":
        raise ValueError(f"unknown drain3 configuration {name!r}")
    return TemplateMiner(config=config)


def run(name, messages, want_templates):
    miner = make_miner(name)
    ids = []
    start = time.perf_counter()
    cpu_start = time.process_time()
    for m in messages:
        ids.append(miner.add_log_message(m)["cluster_id"])
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    out = {
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
        "lines": len(messages),
        "clusters": len(miner.drain.clusters),
    }
    if want_templates:
        by_id = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
        out["templates"] = [by_id[i] for i in ids]
    return out


def main() -> None:
    req = json.load(sys.stdin)
    want = req.get("mode", "accuracy") == "accuracy"
    configs = req.get("configs", ["default", "masked"])
    out = {name: {} for name in configs}
    for system, messages in req["systems"].items():
        for name in configs:
            out[name][system] = run(name, messages, want)
    json.dump({"version": DRAIN3_VERSION, "configs": out}, sys.stdout)


if __name__ == "__main__":
    main()
