"""Shipped product labels. This folder ships as `bench.products`, so `--product NAME` finds one by name."""
