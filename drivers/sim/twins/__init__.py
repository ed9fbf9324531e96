"""Simulated instruments: one twin per driver family, answering the same SCPI strings with
the same framing as the real model, and reading/setting the simulated world."""
