"""External tools the project drives (Terraform), found and configured once."""
