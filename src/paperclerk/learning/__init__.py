"""Trainable models: data sets, extractors, classifiers, memory and the model registry."""
