"""Work done before the command line is parsed, measured to pay for itself: the read-ahead of a
recipe's inputs and first cut (into the command's ProbeCache) and the stored answers of earlier
compiles (docs/design.md, "Start-up" and "Stored answers").
"""
