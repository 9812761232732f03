"""Trainable models: extractors, classifiers, training, calibration, memory and the registry."""
