"""Layers with Keras names and arguments, and the layer registry."""
