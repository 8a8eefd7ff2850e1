"""Evaluation stage: how well the detector and the rewriter do, and how fast.

``evaluate`` scores a labelled file and clean news (``repair eval``); ``heldout`` the rewriter on
synthetic sentences it never trained on (chrF++ per artifact family); ``bench`` and
``bench_input`` time the pipeline and its stages on real and adversarial input.
"""
