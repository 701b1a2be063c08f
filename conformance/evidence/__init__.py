"""Evidence: readers that turn repositories (and later AWS) into facts, each read once."""
