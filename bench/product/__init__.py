"""Products: the label a DUT is judged against, apart from the test method (the profile)."""
