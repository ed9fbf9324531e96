"""Shipped profiles. This folder ships as `bench.profiles`, so a profile can be run by its name."""
