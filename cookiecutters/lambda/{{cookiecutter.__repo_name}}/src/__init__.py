"""{{ cookiecutter.lambda_name }}: the Lambda function package (zip root: src/ is importable as `src`)."""
