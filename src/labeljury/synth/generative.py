"""Draw annotations from the generative models of the EM methods."""
__all__: list[str] = []
