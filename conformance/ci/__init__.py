"""What the project's GitHub workflows compute (.github/workflows): targets from the spec, drift alerts."""
