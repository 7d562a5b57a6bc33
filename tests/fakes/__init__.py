"""Hand-written fakes of external services (GitHub's API) for the tests."""
