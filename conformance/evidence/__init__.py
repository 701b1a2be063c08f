"""Evidence: readers that turn the repositories into facts, each file read and parsed once (AWS: conformance.live)."""
