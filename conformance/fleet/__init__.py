"""The fleet kept in step with its templates: status, update and add-lambda over generated repositories."""
