"""The sandbox: the generated fleet deployed with the real Terraform into a local AWS emulator.

`python scripts/sandbox.py` (or `make sandbox`) generates the repositories, starts moto's server
on 127.0.0.1, deploys the infrastructure repository and then the Lambda repositories into it,
runs the conformance suite against it and stops everything it started. See `cli.py`.
"""
