"""The composition root: the only place that reads Settings and builds adapters and use cases."""
