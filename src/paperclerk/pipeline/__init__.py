"""The pipeline stages and the function that composes them."""
