"""The live half of the conformance suite: the deployed resources, read (only read) from AWS.

Layout like moto's: one reader module per AWS service (dynamodb, sqs, s3, sns, apigateway, iam,
cloudwatch, lambda_, state), `session` for the run's one boto3 session, its clients and the
shared call cache, `guard` for the read-only and account guards. The checks themselves sit
beside the static ones in `conformance.criteria`, under the same IDs.
"""
