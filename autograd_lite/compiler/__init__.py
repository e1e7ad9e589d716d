"""The compiler behind :func:`autograd_lite.compile`: trace once, replay as NumPy code."""
