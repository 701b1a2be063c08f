"""The live half of the conformance suite: the deployed resources, read (only read) from AWS.

Layout like moto's: one reader module per AWS service (dynamodb, sqs, s3, sns, apigateway, iam,
cloudwatch, lambda_, state). `session` holds the run's one boto3 session, its clients and the
shared call cache; `errors` the causes of a failed read (and how an AWS error is classified);
`guard` the read-only and account guards; `permissions` what the checks declare they read;
`view` what a live check is handed. Nothing here knows a criterion: a reader raises "missing
resource of kind X" and the catalogue says which criterion owns X. The checks sit beside the
static ones in `conformance.criteria`, under the same IDs.
"""
