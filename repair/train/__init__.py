"""Training entry points: one module per trained model (``rewriter``, ``detector``)."""
