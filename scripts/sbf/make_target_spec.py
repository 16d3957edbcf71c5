#!/usr/bin/env python3
"""Write the custom SBPF target spec, derived from rustc's own bpfel-unknown-none.

Anchor needs std, which bpfel-unknown-none lacks. The changes: os "zkvm" so std
picks its no-OS platform layer; vendor "solana"; single-threaded atomics that
lower to plain loads and stores; abort on panic; and metadata.std = true.

Usage: make_target_spec.py <rustc> <output.json>
"""
import json
import subprocess
import sys


def main() -> int:
    rustc, output = sys.argv[1], sys.argv[2]
    base = subprocess.run(
        [rustc, "-Z", "unstable-options", "--print", "target-spec-json", "--target", "bpfel-unknown-none"],
        check=True, capture_output=True, text=True,
    ).stdout
    spec = json.loads(base)
    if spec.get("arch") != "bpf" or spec.get("llvm-target") != "bpfel":
        print(f"make_target_spec: unexpected base spec from {rustc}: {base}", file=sys.stderr)
        return 1
    spec.update({
        "os": "zkvm",
        "vendor": "solana",
        "atomic-cas": True,
        "min-atomic-width": 8,
        "singlethread": True,
        "panic-strategy": "abort",
    })
    spec.setdefault("metadata", {})["std"] = True
    with open(output, "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=2, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
