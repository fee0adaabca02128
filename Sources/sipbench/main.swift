// sipbench — the Swift side of scripts/bench.
print("sipbench")
