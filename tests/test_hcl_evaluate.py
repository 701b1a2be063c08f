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


# -- every operator and expression kind, each with a case that tells it from its neighbours --------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # comparisons: true and false each, so `<` computing `>` (or `<=` computing `<`) fails a case
        ("1 < 2", True),
        ("2 < 1", False),
        ("2 < 2", False),
        ("2 > 1", True),
        ("1 > 2", False),
        ("2 > 2", False),
        ("2 <= 2", True),
        ("3 <= 2", False),
        ("2 >= 2", True),
        ("1 >= 2", False),
        ("1 == 1", True),
        ('1 == "1"', False),  # Terraform compares types too
        ('"a" != "b"', True),
        ('"a" != "a"', False),
        ('"10" > 9', True),  # a string that reads as a number converts
        # logic
        ("!true", False),
        ("!false", True),
        ('!"false"', True),
        ("true && true", True),
        ("true && false", False),
        ("false && true", False),
        ("false || true", True),
        ("false || false", False),
        ("true || false", True),
        ("!(1 < 2) || 2 > 3", False),
        # arithmetic, precedence, unary minus
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("7 / 2", 3.5),
        ("7 % 3", 1),
        ("-3 + 5", 2),
        ("-(2 * 3)", -6),
        ("0.5 + 0.5", 1),
        # conditionals
        ('1 < 2 ? "yes" : "no"', "yes"),
        ('1 > 2 ? "yes" : "no"', "no"),
        ('var.environment == "dev" ? 1 : (var.environment == "sit" ? 2 : 3)', 1),
        # for expressions: list and map forms, with and without `if`, grouping
        ("[for x in [1, 2, 3, 4] : x * 10]", [10, 20, 30, 40]),
        ("[for x in [1, 2, 3, 4] : x if x > 2]", [3, 4]),
        ("[for x in [1, 2, 3, 4] : x if x < 2]", [1]),
        ('[for i, x in ["a", "b"] : "${i}${x}"]', ["0a", "1b"]),
        ("{ for k, v in { a = 1, b = 2, c = 3 } : k => v if v != 2 }", {"a": 1, "c": 3}),
        ('{ for k, v in { a = 1, b = 2, c = 3 } : v => k if k == "b" }', {"2": "b"}),
        ('{ for s in ["x", "y", "x"] : s => s... }', {"x": ["x", "x"], "y": ["y"]}),
        # index, attribute, splat
        ('["a", "b", "c"][1]', "b"),
        ('{ a = { b = "c" } }["a"].b', "c"),
        ('{ a = { b = "c" } }.a["b"]', "c"),
        ("[[1, 2], [3]].0", [1, 2]),
        ("[{ n = 1 }, { n = 2 }][*].n", [1, 2]),
        ("[{ n = 1 }, { n = 2 }].*.n", [1, 2]),
        ("null[*]", []),
        ("{ n = 1 }[*].n", [1]),
        # functions
        ('format("%s-%d-%q", "a", 2, "b")', 'a-2-"b"'),
        ('format("100%%")', "100%"),
        ('lower("AbC")', "abc"),
        ('upper("AbC")', "ABC"),
        ('title("ab cd")', "Ab Cd"),
        ('trimspace("  x ")', "x"),
        ('trimprefix("bbws-x", "bbws-")', "x"),
        ('trimsuffix("x-dev", "-dev")', "x"),
        ('replace("a_b_c", "_", "-")', "a-b-c"),
        ('join("-", ["a", 1, true])', "a-1-true"),
        ('split(",", "a,b")', ["a", "b"]),
        ("concat([1], [2, 3])", [1, 2, 3]),
        ("merge({ a = 1, b = 1 }, { b = 2 })", {"a": 1, "b": 2}),
        ("tostring(5)", "5"),
        ('tonumber("3.0")', 3),
        ('tobool("true")', True),
        ("tolist([1])", [1]),
        ('toset(["b", "a", "b"])', ["a", "b"]),
        ("tomap({ a = 1 })", {"a": 1}),
        ('length("abc")', 3),
        ("length([1, 2])", 2),
        ('lookup({ a = 1 }, "a")', 1),
        ('lookup({ a = 1 }, "b", 7)', 7),
        ("element([1, 2, 3], 4)", 2),
        ("one([5])", 5),
        ("one([])", None),
        ('coalesce("", null, "x")', "x"),
        ('compact(["a", "", null, "b"])', ["a", "b"]),
        ("max(1, 5, 3)", 5),
        ("min(4, 2, 9)", 2),
        ("abs(-4)", 4),
        ('contains(["a"], "a")', True),
        ('contains(["a"], "b")', False),
        ("keys({ b = 1, a = 2 })", ["a", "b"]),
        ("values({ b = 1, a = 2 })", [2, 1]),
        ("flatten([[1], 2, [3, [4]]])", [1, 2, 3, [4]]),
        ("distinct([1, 2, 1])", [1, 2]),
        ('substr("abcdef", 1, 3)', "bcd"),
        ('jsondecode("{\\"a\\": [1]}")', {"a": [1]}),
        ("concat([[1], [2]]...)", [1, 2]),
        # templates with directives
        ('"a%{ if var.environment == "dev" }-dev%{ endif }"', "a-dev"),
        ('"a%{ if var.environment == "prod" }-prod%{ endif }"', "a"),
        ('"%{ if var.environment == "prod" }p%{ else }np%{ endif }"', "np"),
        ('"%{ for s in ["x", "y"] }${s},%{ endfor }"', "x,y,"),
        ('"%{ for k, v in { a = 1 } }${k}=${v}%{ endfor }"', "a=1"),
        ('"a %{~ if true ~} b %{~ endif ~} c"', "abc"),
        ('"a %{ if true } b %{ endif } c"', "a  b  c"),
        ('"%{ for s in [1, 2] }%{ if s > 1 }${s}%{ endif }%{ endfor }"', "2"),
        ('"%{ if false }${var.missing}%{ endif }ok"', "ok"),  # the branch not taken is not evaluated
        ('"$${x} %%{y}"', "${x} %{y}"),
    ],
)
def test_each_operator_and_expression(expression: str, expected) -> None:
    assert evaluate(f"locals {{\n  x = {expression}\n}}\n", environment="dev")["x"] == expected


def test_heredocs_interpolate_and_take_directives() -> None:
    values = evaluate(
        "locals {\n"
        "  plain = <<EOT\nname=${var.environment}\nEOT\n"
        '  trimmed = <<-EOT\n    %{ if var.environment == "dev" }dev%{ else }other%{ endif }\n      indented\n  EOT\n'
        "}\n",
        environment="dev",
    )
    assert values["plain"] == "name=dev\n"
    assert values["trimmed"] == "dev\n  indented\n"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ('aws_sqs_queue.q.arn == "x"', "depends on a value known only after apply"),
        ("!aws_sqs_queue.q.fifo_queue", "condition known only after apply"),
        ("aws_sqs_queue.q.fifo_queue && true", "condition known only after apply"),
        ("aws_sqs_queue.q.fifo_queue ? 1 : 2", "condition known only after apply"),
        ('"%{ if aws_sqs_queue.q.fifo_queue }x%{ endif }"', "condition known only after apply"),
        ("!1", "1 is not a bool"),
        ("1 && true", "1 is not a bool"),
        ("-aws_sqs_queue.q.delay_seconds", "depends on a value known only after apply"),
        ("[1, 2][aws_sqs_queue.q.delay_seconds]", "index known only after apply"),
        ("1 / 0", "division by zero"),
        ('{ for s in ["a", "a"] : s => 1 }', "duplicate object key"),
        ('"%{ if true }x"', "to close the directive"),
        ('"x%{ endif }"', "without its opening directive"),
        ("one([1, 2])", "must have zero or one elements"),
        ("upper(aws_sqs_queue.q.name)", "depends on a value known only after apply"),
    ],
)
def test_what_is_known_only_after_apply_or_wrong_is_named(expression: str, reason: str) -> None:
    with pytest.raises(Unresolvable) as caught:
        evaluate(f"locals {{\n  x = {expression}\n}}\n")
    assert reason in str(caught.value) and "main.tf:2" in str(caught.value)


def test_functions_that_move_references_keep_them() -> None:
    values = evaluate(
        "locals {\n"
        "  one = one([aws_s3_bucket.a.id])\n"
        "  both = concat([aws_sqs_queue.a.arn], [aws_sqs_queue.b.arn])\n"
        "  splat = aws_s3_bucket.a[*].id\n"
        '  policy = jsonencode({ Resource = "${aws_s3_bucket.a.arn}/*" })\n'
        "}\n"
    )
    assert values["one"] == Ref("aws_s3_bucket.a.id")
    assert values["both"] == [Ref("aws_sqs_queue.a.arn"), Ref("aws_sqs_queue.b.arn")]
    assert values["splat"] == [Ref("aws_s3_bucket.a.id")]  # without count: a list of the one instance
    assert decode_json(values["policy"])["Resource"] == Template((Ref("aws_s3_bucket.a.arn"), "/*"))


@pytest.mark.parametrize(
    ("address", "target", "key", "attribute"),
    [
        ("aws_sqs_queue.dlq.arn", "aws_sqs_queue.dlq", None, "arn"),
        ("aws_s3_bucket.audit[0].id", "aws_s3_bucket.audit", 0, "id"),
        ('aws_iam_role.lambda["api"].name', "aws_iam_role.lambda", "api", "name"),
        ("data.aws_iam_policy_document.x.json", "data.aws_iam_policy_document.x", None, "json"),
        ('data.aws_iam_policy_document.x["q"].json', "data.aws_iam_policy_document.x", "q", "json"),
        ("module.alerts.aws_sns_topic.this.arn", "module.alerts.aws_sns_topic.this", None, "arn"),
        ('module.m[1].module.n["a"].aws_sqs_queue.q', 'module.m[1].module.n["a"].aws_sqs_queue.q', None, ""),
        ("module.alerts.topic_arn", "module.alerts", None, "topic_arn"),
        ("data.terraform_remote_state.infra.outputs.x", "data.terraform_remote_state.infra", None, "outputs.x"),
        ("aws_s3_bucket.audit", "aws_s3_bucket.audit", None, ""),
    ],
)
def test_a_reference_knows_its_resource_instance_and_attribute(address: str, target: str, key, attribute: str) -> None:
    ref = Ref(address)
    assert (ref.target, ref.key, ref.attribute) == (target, key, attribute)


def test_references_keep_their_instance_keys_as_terraform_writes_them() -> None:
    values = evaluate(
        "locals {\n"
        '  counted = aws_s3_bucket.audit[0].id\n  keyed = aws_iam_role.x["api"].arn\n'
        "  short = aws_s3_bucket.audit.0.bucket\n"
        "}\n"
    )
    assert values["counted"] == Ref("aws_s3_bucket.audit[0].id")
    assert values["keyed"] == Ref('aws_iam_role.x["api"].arn')
    assert values["short"] == Ref("aws_s3_bucket.audit[0].bucket")
