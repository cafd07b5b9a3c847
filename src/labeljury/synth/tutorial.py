"""The classic multi-annotator tutorial data (2-D Gaussians, 50 annotators)."""
__all__: list[str] = []
