"""The fault suite: every fault and bad input, run against the real handler over real HTTP."""
