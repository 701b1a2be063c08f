"""The static evaluator computes what Terraform would, and says so when it cannot."""

from __future__ import annotations

import pytest

from conformance.evidence.evaluate import Encoded, Evaluator, Ref, Scope, Template, Unresolvable, decode_json
from conformance.evidence.hcl import ParseFailure, parse_hcl


def evaluate(source: str, **variables) -> dict:
    body = parse_hcl(source, "main.tf")
    assert not isinstance(body, ParseFailure), body
    locals_ = {name: a for block in body.blocks for name, a in block.body.attributes.items()}
    evaluator = Evaluator(Scope(variables, locals_))
    return {name: evaluator.local(name) for name in locals_}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"bbws-products-${var.environment}"', "bbws-products-dev"),
        ('format("bbws-%s-%s", "queue", var.environment)', "bbws-queue-dev"),
        ("4 * 24 * 60 * 60", 345600),
        ("(10 - 4) / 2", 3),
        ('var.environment == "prod" ? 90 : 14', 14),
        ('upper(join("-", ["a", var.environment]))', "A-DEV"),
        ("{ for k, v in { a = 1, b = 2 } : k => v * 2 }", {"a": 2, "b": 4}),
        ('[for s in ["x", "y"] : "${s}-${var.environment}"]', ["x-dev", "y-dev"]),
        ('merge({ a = 1 }, { b = true })["b"]', True),
        ('"$${literal}"', "${literal}"),
    ],
)
def test_values(expression: str, expected) -> None:
    assert evaluate(f"locals {{\n  x = {expression}\n}}\n", environment="dev")["x"] == expected


def test_locals_chain_and_references_stay_symbolic() -> None:
    values = evaluate(
        'locals {\n  prefix = "bbws"\n  name = format("%s-dlq-%s", local.prefix, var.environment)\n'
        '  arn = aws_sqs_queue.dlq.arn\n  url = "${aws_sqs_queue.main.url}/x"\n}\n',
        environment="sit",
    )
    assert values["name"] == "bbws-dlq-sit"
    assert values["arn"] == Ref("aws_sqs_queue.dlq.arn") and values["arn"].target == "aws_sqs_queue.dlq"
    assert isinstance(values["url"], Template) and values["url"].parts[0] == Ref("aws_sqs_queue.main.url")


def test_redrive_policy_in_three_styles_decodes_the_same() -> None:
    values = evaluate(
        "locals {\n"
        "  a = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 3 })\n"
        '  b = <<-EOT\n    {"deadLetterTargetArn": "${aws_sqs_queue.dlq.arn}", "maxReceiveCount": 3}\n  EOT\n'
        '  c = "{\\"deadLetterTargetArn\\": \\"${aws_sqs_queue.dlq.arn}\\", \\"maxReceiveCount\\": ${1 + 2}}"\n'
        "}\n"
    )
    assert isinstance(values["a"], Encoded)
    wanted = {"deadLetterTargetArn": Ref("aws_sqs_queue.dlq.arn"), "maxReceiveCount": 3}
    assert decode_json(values["a"]) == decode_json(values["b"]) == decode_json(values["c"]) == wanted


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("timestamp()", "cannot resolve timestamp() at main.tf:3 (function timestamp() is not evaluated statically)"),
        ("var.missing", "cannot resolve var.missing at main.tf:3 (variable missing has no value for this environment)"),
        ("aws_sqs_queue.q.arn * 2", "cannot resolve aws_sqs_queue.q.arn * 2 at main.tf:3"),
        ("local.y", "cannot resolve local.y at main.tf:3 (no such local)"),
    ],
)
def test_what_cannot_be_computed_is_named_with_its_line(expression: str, message: str) -> None:
    with pytest.raises(Unresolvable) as caught:
        evaluate(f"locals {{\n\n  x = {expression}\n}}\n")
    assert str(caught.value).startswith(message)


def test_a_file_that_does_not_parse_gives_its_location() -> None:
    failure = parse_hcl('resource "aws_sqs_queue" "q" {\n  name = \n}\n', "terraform/sqs.tf")
    assert isinstance(failure, ParseFailure)
    assert (failure.file, failure.line) == ("terraform/sqs.tf", 2)
    assert str(failure).startswith("terraform/sqs.tf:2:")
