"""Work done before the command line is parsed, measured to pay for itself: the read-ahead of a
recipe's first input and the stored answers of earlier probes.
"""
