"""External tools the project drives, found and configured once: Terraform, and the child processes it runs in."""
