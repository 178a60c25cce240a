"""Push side: publishing events after commit, the push-node registry."""
