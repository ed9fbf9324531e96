"""powerbench: test-bench controller for power banks and lithium cells."""

__version__ = "0.1.0"
