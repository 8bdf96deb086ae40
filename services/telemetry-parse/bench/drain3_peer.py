#!/usr/bin/env python3
"""Drain3 run side by side with our miner (peer for bench/loghub.ts and bench/miner-speed.ts).

Reads JSON from stdin: {"systems": {"<S>": ["message", ...]}, "repeat": N, "mode": "accuracy"|"speed"}
and prints JSON: {"version": "...", "systems": {"<S>": {"templates": [...per line...], "seconds": [per run],
"lines": n}}}. Each run uses a fresh TemplateMiner; "templates" are the final templates of the last run
(each line's cluster template after all lines were added, as Drain/logparser reports them).

Configuration: Drain3's defaults (depth 4, sim_th 0.4, max_children 100, numeric tokens parametrised) plus the
standard masking list of Drain3's examples/drain3.ini (ID, IP, SEQ, HEX, NUM), every mask written as <*> so
that its templates compare with the ground truth's. In "speed" mode templates are not returned.
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

STANDARD_MASKS = [
    r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)",  # ID
    r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)",  # IP
    r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)",  # SEQ
    r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)",  # SEQ
    r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)",  # HEX
    r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)",  # NUM
]


def make_miner() -> TemplateMiner:
    config = TemplateMinerConfig()
    config.drain_sim_th = 0.4
    config.drain_depth = 4
    config.drain_max_children = 100
    config.mask_prefix = "<"
    config.mask_suffix = ">"
    config.masking_instructions = [MaskingInstruction(p, "*") for p in STANDARD_MASKS]
    config.profiling_enabled = False
    return TemplateMiner(config=config)


def run(messages, want_templates):
    miner = make_miner()
    ids = []
    start = time.perf_counter()
    for m in messages:
        ids.append(miner.add_log_message(m)["cluster_id"])
    seconds = time.perf_counter() - start
    templates = None
    if want_templates:
        by_id = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
        templates = [by_id[i] for i in ids]
    return seconds, templates


def main() -> None:
    req = json.load(sys.stdin)
    repeat = int(req.get("repeat", 1))
    want = req.get("mode", "accuracy") == "accuracy"
    out = {}
    for name, messages in req["systems"].items():
        seconds = []
        templates = None
        for _ in range(repeat):
            s, t = run(messages, want)
            seconds.append(s)
            if t is not None:
                templates = t
        out[name] = {"seconds": seconds, "lines": len(messages)}
        if templates is not None:
            out[name]["templates"] = templates
    json.dump({"version": DRAIN3_VERSION, "systems": out}, sys.stdout)


if __name__ == "__main__":
    main()
