"""The static evaluator computes what Terraform would, and says so when it cannot."""

from __future__ import annotations

import pytest

from conformance.evidence.evaluate import Encoded, Evaluator, Ref, Scope, Template, Unresolvable, decode_json, dumps
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


# -- each refusal in its exact words (a changed reason, file or line fails a case) -------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("foo", "cannot resolve foo at main.tf:2 (unknown name foo)"),
        ('foo["x"]', 'cannot resolve foo["x"] at main.tf:2 (unknown name foo)'),
        ("count.index", "cannot resolve count.index at main.tf:2 (count is not known here)"),
        ("each.key", "cannot resolve each.key at main.tf:2 (each is not known here)"),
        ("self.x", "cannot resolve self.x at main.tf:2 (self is not known here)"),
        ("var.m.k", "cannot resolve var.m.k at main.tf:2 (variable m has no value for this environment)"),
        ("local.x", "cannot resolve local.x at main.tf:2 (cycle between locals)"),
        ("{a=1}.b", "cannot resolve {a=1}.b at main.tf:2 (no 'b' in the value)"),
        ("[1][5]", "cannot resolve [1][5] at main.tf:2 (no 5 in the value)"),
        ('"abc".x', "cannot resolve \"abc\".x at main.tf:2 (no 'x' in the value)"),
        ('"abc" + 1', "cannot resolve \"abc\" at main.tf:2 ('abc' is not a number)"),
        ('1 - "abc"', "cannot resolve \"abc\" at main.tf:2 ('abc' is not a number)"),
        ("true + 1", "cannot resolve true at main.tf:2 (not a number)"),
        ("[1] + 1", "cannot resolve [1] at main.tf:2 (not a number)"),
        ("-true", "cannot resolve -true at main.tf:2 (not a number)"),
        ('"yes" ? 1 : 2', "cannot resolve \"yes\" at main.tf:2 ('yes' is not a bool)"),
        ("1 == aws_x.y.z", "cannot resolve 1 == aws_x.y.z at main.tf:2 (depends on a value known only after apply)"),
        ("aws_x.y.z == 1", "cannot resolve aws_x.y.z == 1 at main.tf:2 (depends on a value known only after apply)"),
        ("1 / 0", "cannot resolve 1 / 0 at main.tf:2 (division by zero)"),
        ("[1][aws_x.y.z]", "cannot resolve [aws_x.y.z] at main.tf:2 (index known only after apply)"),
        ("aws_x.y.z ? 1 : 2", "cannot resolve aws_x.y.z at main.tf:2 (condition known only after apply)"),
        ("-aws_x.y.z", "cannot resolve -aws_x.y.z at main.tf:2 (depends on a value known only after apply)"),
        ("{ (aws_x.y.id) = 1 }", "cannot resolve (aws_x.y.id) at main.tf:2 (object key is not known statically)"),
        (
            '[for x in "abc" : x]',
            'cannot resolve [for x in "abc" : x] at main.tf:2 (for over a value that is not a collection)',
        ),
        (
            '"%{ for x in 1 }x%{ endfor }"',
            "cannot resolve %{ for x in 1 } at main.tf:2 (for over a value that is not a collection)",
        ),
        (
            '{ for s in ["a"] : aws_x.y[s] => 1 }',
            "cannot resolve aws_x.y[s] at main.tf:2 (object key known only after apply)",
        ),
        (
            '{ for s in ["a", "a"] : s => 1 }',
            'cannot resolve { for s in ["a", "a"] : s => 1 } at main.tf:2 '
            "(duplicate object key 'a' (use ... to group))",
        ),
        (
            '"%{ if true }x%{ endfor }"',
            'cannot resolve "%{ if true }x%{ endfor }" at main.tf:2 (expected %{ endif } to close the directive)',
        ),
        (
            '"%{ for s in [1] }x%{ endif }"',
            'cannot resolve "%{ for s in [1] }x%{ endif }" at main.tf:2 (expected %{ endfor } to close the directive)',
        ),
        (
            '"x%{ endfor }"',
            'cannot resolve "x%{ endfor }" at main.tf:2 (%{ endfor } without its opening directive)',
        ),
        (
            "try(var.missing, local.nope)",
            "cannot resolve try(var.missing, local.nope) at main.tf:2 (no argument of try() can be computed)",
        ),
        ('file("x")', 'cannot resolve file("x") at main.tf:2 (file() reads files: not evaluated here)'),
        (
            'templatefile("x", {})',
            'cannot resolve templatefile("x", {}) at main.tf:2 (templatefile() reads files: not evaluated here)',
        ),
        ("file(aws_x.y.id)", "cannot resolve file(aws_x.y.id) at main.tf:2 (the path is known only after apply)"),
        ("max(1...)", "cannot resolve max(1...) at main.tf:2 (... expands a list only)"),
        ("nosuch(1)", "cannot resolve nosuch(1) at main.tf:2 (function nosuch() is not evaluated statically)"),
        (
            "upper(aws_x.y.id)",
            "cannot resolve upper(aws_x.y.id) at main.tf:2 (depends on a value known only after apply)",
        ),
        (
            'tonumber("x")',
            "cannot resolve tonumber(\"x\") at main.tf:2 (tonumber(): could not convert string to float: 'x')",
        ),
        ("element([], 0)", "cannot resolve element([], 0) at main.tf:2 (element(): integer modulo by zero)"),
        ('lookup({}, "k")', "cannot resolve lookup({}, \"k\") at main.tf:2 (lookup(): 'k')"),
    ],
)
def test_each_refusal_names_the_expression_its_line_and_why(expression: str, message: str) -> None:
    with pytest.raises(Unresolvable) as caught:
        evaluate(f"locals {{\n  x = {expression}\n}}\n")
    assert str(caught.value) == message


def test_a_refusal_inside_a_multi_line_expression_names_the_line_of_the_part_that_failed() -> None:
    with pytest.raises(Unresolvable) as caught:
        evaluate("locals {\n  x = [\n    1,\n    var.missing,\n  ]\n}\n")
    assert str(caught.value) == (
        "cannot resolve var.missing at main.tf:4 (variable missing has no value for this environment)"
    )
    assert (caught.value.expression, caught.value.reason) == (
        "var.missing",
        "variable missing has no value for this environment",
    )
    assert (caught.value.location.file, caught.value.location.line) == ("main.tf", 4)


def test_an_unresolvable_without_a_location_or_a_reason_says_only_what() -> None:
    assert str(Unresolvable("x", None)) == "cannot resolve x"
    assert str(Unresolvable("x", None, "why")) == "cannot resolve x (why)"
    bare = Unresolvable("x", None)
    assert (bare.expression, bare.location, bare.reason) == ("x", None, "")


# -- values that tell each branch from its neighbours -------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"a %{~ if true } b %{ endif } c"', "a b  c"),  # strip before only
        ('"a %{ if true ~}  b%{ endif }"', "a b"),  # strip after only
        ('"a  %{~ if true }b%{ endif }"', "ab"),
        ('"%{ if true }%{ if false }a%{ else }b%{ endif }c%{ else }d%{ endif }"', "bc"),  # nested: depth
        ('"%{ if false }%{ for x in [1] }${x}%{ endfor }%{ else }e%{ endif }"', "e"),
        ('"%{ if false }%{ if true }a%{ endif }%{ endif }z"', "z"),
        ('"%{ for x in [1, 2] }%{ if x > 1 }b%{ else }a%{ endif }%{ endfor }"', "ab"),
        ('"${1 + 1}"', 2),  # "${x}" alone is x itself
        ('"${true}"', True),
        ('"x${1 + 1}"', "x2"),
        ('"%{ if true }${1}%{ endif }"', "1"),  # with a directive the template is a string
        ('"a\\nb\\t\\"c\\""', 'a\nb\t"c"'),
        ("{ (1) = 2 }", {"1": 2}),
        ('{ "a" = 1, if = 2 }', {"a": 1, "if": 2}),
        ('{ ("a${"b"}") = 1 }', {"ab": 1}),
        ("{ a = 1 }.a", 1),
        ('[1, 2]["1"]', 2),
        ("[[1, 2], [3]][1][0]", 3),
        ("[1, 2, 3][2 - 1]", 2),
        ("path.module", "."),
        ("module.a", Ref("module.a")),
        ('module.a["k"]', Ref('module.a["k"]')),
        ("[for v in { a = 1, b = 2 } : v]", [1, 2]),
        ("[for k, v in { a = 1, b = 2 } : k]", ["a", "b"]),
        ("[for v in [{ a = 1 }] : v.a]", [1]),
        ('[for v in [{ a = { b = 3 } }] : v.a["b"]]', [3]),
        ('{ for k, v in { a = 1, b = 2 } : "${k}${v}" => v * 2 if v > 1 }', {"b2": 4}),
        ('{ for s in ["x", "y", "x"] : s => 1... if s == "x" }', {"x": [1, 1]}),
        ("{ for i, v in [5, 6] : i => v }", {"0": 5, "1": 6}),
        ('try(var.missing, "d")', "d"),
        ("try(1, 2)", 1),
        ('try(var.missing, local.nope, "third")', "third"),
        ("can(var.missing)", False),
        ("can(1)", True),
        ("max([1, 7]...)", 7),
        ('format("%s-%s", "a", ["b"]...)', "a-b"),
        ('format("%s-x", aws_x.y.id)', Template((Ref("aws_x.y.id"), "-x"))),
        ("length(concat([aws_x.a.id], [aws_x.b.id]))", 2),
        ('-"3"', -3),
        ('"1.5" * 2', 3),
        ('"true" ? 1 : 2', 1),
        ("false ? 1 : 2", 2),
        ("!(1 > 2)", True),
    ],
)
def test_each_branch_of_the_walk(expression: str, expected) -> None:
    assert evaluate(f"locals {{\n  x = {expression}\n}}\n", environment="dev")["x"] == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [("4 / 2", 2), ("1.5 + 1.5", 3), ("7 / 2", 3.5), ("1 < 2", True), ("2 < 1", False), ("1 == 1", True)],
)
def test_numbers_are_normalised_and_comparisons_stay_bools(expression: str, expected) -> None:
    value = evaluate(f"locals {{\n  x = {expression}\n}}\n")["x"]
    assert value == expected and type(value) is type(expected)


def test_heredocs_keep_quotes_backslashes_and_trim_the_least_indent() -> None:
    values = evaluate(
        "locals {\n"
        '  quoted = <<EOT\nsay "hi" \\ x\nEOT\n'
        "  empty = <<EOT\nEOT\n"
        "  dotted = <<-END-OF.T\n\t\ta\n\n\t\t  b\n\tEND-OF.T\n"
        "  kept = <<EOT\n  a\n  EOT\n"
        "  windows = <<EOT\r\nw\r\nEOT\n"
        "}\n"
    )
    assert values["quoted"] == 'say "hi" \\ x\n'
    assert values["empty"] == ""
    assert values["dotted"] == "a\n\n  b\n"  # the blank line does not count towards the least indent
    assert values["kept"] == "  a\n"  # <<EOT (not <<-) keeps the indent
    assert values["windows"].strip() == "w"


def test_a_local_is_computed_once_and_in_a_scope_of_its_own() -> None:
    body = parse_hcl("locals {\n  l = [1]\n  y = x\n  z = [for x in [1] : local.y]\n}\n", "main.tf")
    assert not isinstance(body, ParseFailure)
    locals_ = body.blocks[0].body.attributes
    evaluator = Evaluator(Scope({}, dict(locals_)))
    assert evaluator.local("l") is evaluator.local("l")  # cached: the same value, not computed again
    with pytest.raises(Unresolvable) as caught:  # the for's `x` is not in scope inside local.y
        evaluator.local("z")
    assert str(caught.value) == "cannot resolve x at main.tf:3 (unknown name x)"
    with pytest.raises(Unresolvable) as again:  # a failed local is not left half-resolved (no "cycle")
        evaluator.local("y")
    assert str(again.value) == "cannot resolve x at main.tf:3 (unknown name x)"
    with pytest.raises(Unresolvable) as nameless:
        evaluator.local("nope")
    assert str(nameless.value) == "cannot resolve local.nope (no such local)"


def test_a_child_scope_adds_names_and_shares_the_rest() -> None:
    links = FakeLinks()
    scope = Scope({"v": 1}, {}, {"a": 1}, prefix="module.m.", links=links)
    child = scope.child(b=2, a=3)
    assert child.extra == {"a": 3, "b": 2} and scope.extra == {"a": 1}
    assert child.variables is scope.variables and child.locals is scope.locals
    assert child._local_values is scope._local_values and child._resolving is scope._resolving
    assert (child.prefix, child.links) == ("module.m.", links)


# -- what a module reaches: other modules' outputs, resources' instances, files ---------------------


class FakeLinks:
    """Links that answer from dicts and record what they were asked."""

    def __init__(self, outputs=None, instances=None, files=None) -> None:
        self.outputs = outputs or {}
        self.instances = instances or {}
        self.files = files or {}
        self.asked: list[tuple] = []

    def module_output(self, prefix, call, key, output, at):
        self.asked.append((prefix, call, key, output, at.file, at.line))
        return self.outputs[(call, key, output)]

    def expand(self, ref):
        return self.instances.get(ref.address)

    def read_file(self, prefix, path, at):
        self.asked.append((prefix, path, at.file, at.line))
        return self.files[path]


def evaluate_with(source: str, links: FakeLinks, prefix: str = "", **variables) -> dict:
    body = parse_hcl(source, "main.tf")
    assert not isinstance(body, ParseFailure), body
    locals_ = {name: a for block in body.blocks for name, a in block.body.attributes.items()}
    evaluator = Evaluator(Scope(variables, locals_, prefix=prefix, links=links))
    return {name: evaluator.local(name) for name in locals_}


def test_a_module_output_is_read_through_its_links() -> None:
    links = FakeLinks(outputs={("alerts", None, "topic"): {"arn": "t-arn"}, ("q", "a", "url"): "u"})
    values = evaluate_with(
        'locals {\n  arn = module.alerts.topic.arn\n  whole = module.alerts.topic\n  url = module.q["a"].url\n'
        '  bare = module.alerts\n  keyed = module.q["a"]\n}\n',
        links,
        prefix="module.root.",
    )
    assert values == {
        "arn": "t-arn",
        "whole": {"arn": "t-arn"},
        "url": "u",
        "bare": Ref("module.root.module.alerts"),  # no output named: the call itself, symbolic
        "keyed": Ref('module.root.module.q["a"]'),
    }
    assert links.asked == [
        ("module.root.", "alerts", None, "topic", "main.tf", 2),
        ("module.root.", "alerts", None, "topic", "main.tf", 3),
        ("module.root.", "q", "a", "url", "main.tf", 4),
    ]


def test_without_links_a_module_output_and_a_resource_stay_symbolic_under_the_prefix() -> None:
    body = parse_hcl("locals {\n  o = module.alerts.topic\n  r = aws_sqs_queue.q.arn\n}\n", "main.tf")
    assert not isinstance(body, ParseFailure)
    evaluator = Evaluator(Scope({}, dict(body.blocks[0].body.attributes), prefix="module.m."))
    assert evaluator.local("o") == Ref("module.m.module.alerts.topic")
    assert evaluator.local("r") == Ref("module.m.aws_sqs_queue.q.arn")


def test_a_resource_with_instances_is_iterated_and_splatted_through_its_links() -> None:
    roles = {"api": Ref('aws_iam_role.r["api"]'), "event": Ref('aws_iam_role.r["event"]')}
    links = FakeLinks(instances={"aws_iam_role.r": roles, "aws_sqs_queue.q": [Ref("aws_sqs_queue.q[0]")]})
    values = evaluate_with(
        "locals {\n  names = [for k, r in aws_iam_role.r : r.name]\n  keys = [for k, r in aws_iam_role.r : k]\n"
        "  arns = aws_sqs_queue.q[*].arn\n  map = aws_iam_role.r[*]\n  one = aws_sqs_queue.other[*].arn\n"
        '  tmpl = "%{ for k, r in aws_iam_role.r }${k};%{ endfor }"\n}\n',
        links,
    )
    assert values["names"] == [Ref('aws_iam_role.r["api"].name'), Ref('aws_iam_role.r["event"].name')]
    assert values["keys"] == ["api", "event"]
    assert values["arns"] == [Ref("aws_sqs_queue.q[0].arn")]
    assert values["map"] == [roles]  # a for_each resource's splat: its map, wrapped as Terraform does
    assert values["one"] == [Ref("aws_sqs_queue.other.arn")]  # not expanded: the one instance
    assert values["tmpl"] == "api;event;"


def test_file_and_templatefile_read_next_to_the_module() -> None:
    links = FakeLinks(
        files={
            "a.txt": "plain ${not evaluated}",
            "t.tpl": 'hi ${name}%{ if name == "a" }!%{ endif } "q" \\ \r\n',
            "bad.tpl": "${",
            "unknown.tpl": "${nope}",
            "const.tpl": "k",
        }
    )
    values = evaluate_with(
        'locals {\n  f = file("a.txt")\n  t = templatefile("t.tpl", { name = "a" })\n'
        '  c = templatefile("const.tpl")\n}\n',
        links,
        prefix="module.m.",
    )
    assert values == {"f": "plain ${not evaluated}", "t": 'hi a! "q" \\ \r\n', "c": "k"}
    assert links.asked == [
        ("module.m.", "a.txt", "main.tf", 2),
        ("module.m.", "t.tpl", "main.tf", 3),
        ("module.m.", "const.tpl", "main.tf", 4),
    ]
    with pytest.raises(Unresolvable) as caught:
        evaluate_with('locals {\n  x = templatefile("t.tpl", "x")\n}\n', links)
    assert str(caught.value) == (
        'cannot resolve templatefile("t.tpl", "x") at main.tf:2 (templatefile() takes a map of variables)'
    )
    with pytest.raises(Unresolvable) as caught:
        evaluate_with('locals {\n  x = templatefile("unknown.tpl", {})\n}\n', links)
    inner = str(caught.value)
    assert inner.startswith(
        'cannot resolve templatefile("unknown.tpl", {}) at main.tf:2 (in unknown.tpl: cannot resolve '
    )
    assert inner.endswith("(unknown name nope))")
    with pytest.raises(Unresolvable) as caught:
        evaluate_with('locals {\n  x = templatefile("bad.tpl", {})\n}\n', links)
    assert str(caught.value).startswith(
        'cannot resolve templatefile("bad.tpl", {}) at main.tf:2 (bad.tpl is not a template: '
    )
    assert "\n" not in str(caught.value)


def test_dumps_writes_references_as_their_address() -> None:
    assert dumps({"a": [1, "x"], "r": Ref("aws_sqs_queue.q.arn")}) == '{"a": [1, "x"], "r": "${aws_sqs_queue.q.arn}"}'


def test_what_fails_inside_a_heredoc_is_named_at_the_heredoc() -> None:
    for body, message in [
        (
            "ok\n${var.missing}\n",
            "cannot resolve var.missing at main.tf:3 (variable missing has no value for this environment)",
        ),
        ("%{ for s in [1] }${s + local.nope}%{ endfor }\n", "cannot resolve local.nope at main.tf:3 (no such local)"),
        ("%{ if 1 }x%{ endif }\n", "cannot resolve 1 at main.tf:3 (1 is not a bool)"),
    ]:
        with pytest.raises(Unresolvable) as caught:
            evaluate(f"locals {{\n  a = 1\n  x = <<EOT\n{body}EOT\n}}\n")
        assert str(caught.value) == message


def test_heredoc_markers_escapes_and_blank_bodies() -> None:
    values = evaluate(
        "locals {\n  lower = <<eot\nx\neot\n  escaped = <<EOT\na\\nb \\ c\nEOT\n  blank = <<-EOT\n   \nEOT\n}\n"
    )
    assert values["lower"] == "x\n"
    assert values["escaped"] == "a\\nb \\ c\n"  # a backslash in a heredoc is text
    assert values["blank"] == "   \n"  # nothing to trim it against: kept as written


def test_try_and_can_answer_what_they_say() -> None:
    values = evaluate('locals {\n  c = can("x")\n  t = try("x", 1)\n  n = can(var.missing)\n}\n')
    assert values["c"] is True and values["t"] == "x" and values["n"] is False


def test_a_failing_step_after_a_module_output_or_a_splat_names_the_expression() -> None:
    links = FakeLinks(outputs={("alerts", None, "topic"): {"arn": "t"}})
    with pytest.raises(Unresolvable) as caught:
        evaluate_with("locals {\n  x = module.alerts.topic.nope\n}\n", links)
    assert str(caught.value) == "cannot resolve module.alerts.topic.nope at main.tf:2 (no 'nope' in the value)"
    with pytest.raises(Unresolvable) as splat:
        evaluate("locals {\n  x = [{ a = 1 }][*].b\n}\n")
    assert str(splat.value) == "cannot resolve [{ a = 1 }][*].b at main.tf:2 (no 'b' in the value)"


def test_links_are_asked_with_the_line_of_the_reference_itself() -> None:
    links = FakeLinks(outputs={("alerts", None, "topic"): "t"}, files={"a.txt": "A"})
    values = evaluate_with('locals {\n  x = [\n    module.alerts.topic,\n    file("a.txt"),\n  ]\n}\n', links)
    assert values["x"] == ["t", "A"]
    assert links.asked == [("", "alerts", None, "topic", "main.tf", 3), ("", "a.txt", "main.tf", 4)]


def test_a_template_file_sees_only_its_variables_and_keeps_its_escapes() -> None:
    links = FakeLinks(files={"v.tpl": "${var.x}", "l.tpl": "${local.y}", "e.tpl": "a\\nb ${n}", "bad.tpl": "${"})
    values = evaluate_with('locals {\n  e = templatefile("e.tpl", { n = 1 })\n}\n', links)
    assert values["e"] == "a\\nb 1"
    for name, inner in [
        ("v.tpl", "cannot resolve var.x at main.tf:3 (variable x has no value for this environment)"),
        ("l.tpl", "cannot resolve local.y at main.tf:3 (no such local)"),
    ]:
        with pytest.raises(Unresolvable) as caught:
            evaluate_with(f'locals {{\n  a = 1\n  x = templatefile("{name}", {{}})\n}}\n', links, y=1)
        assert str(caught.value) == f'cannot resolve templatefile("{name}", {{}}) at main.tf:3 (in {name}: {inner})'
    from hcl2.api import parses_to_tree
    from lark.exceptions import LarkError

    with pytest.raises(LarkError) as parser:
        parses_to_tree('x = "${"\n')
    with pytest.raises(Unresolvable) as caught:
        evaluate_with('locals {\n  x = templatefile("bad.tpl", {})\n}\n', links)
    first_line = str(parser.value).splitlines()[0]
    assert (
        str(caught.value)
        == f'cannot resolve templatefile("bad.tpl", {{}}) at main.tf:2 (bad.tpl is not a template: {first_line})'
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('[for x in [1] : x + "a"]', "cannot resolve \"a\" at main.tf:2 ('a' is not a number)"),  # inside the body
        (
            '{ for k in "abc" : k => 1 }',
            'cannot resolve { for k in "abc" : k => 1 } at main.tf:2 (for over a value that is not a collection)',
        ),
    ],
)
def test_what_fails_inside_a_for_is_named(expression: str, message: str) -> None:
    with pytest.raises(Unresolvable) as caught:
        evaluate(f"locals {{\n  x = {expression}\n}}\n")
    assert str(caught.value) == message


def test_directives_nested_three_deep_close_at_their_own_depth() -> None:
    template = '"%{ if true }%{ if true }%{ if true }a%{ endif }%{ endif }b%{ else }c%{ endif }"'
    assert evaluate(f"locals {{\n  x = {template}\n}}\n")["x"] == "ab"


def test_integers_beyond_a_float_s_precision_stay_exact() -> None:
    assert evaluate("locals {\n  x = 9007199254740993 + 0\n}\n")["x"] == 9007199254740993


def test_a_heredoc_or_template_file_on_a_later_line_of_an_expression_is_named_at_its_own_line() -> None:
    with pytest.raises(Unresolvable) as caught:
        evaluate("locals {\n  x = [\n    1,\n    <<EOT\n${var.missing}\nEOT\n  ]\n}\n")
    assert str(caught.value) == (
        "cannot resolve var.missing at main.tf:4 (variable missing has no value for this environment)"
    )
    links = FakeLinks(files={"t.tpl": "${nope}"})
    with pytest.raises(Unresolvable) as inner:
        evaluate_with('locals {\n  x = [\n    templatefile("t.tpl", {}),\n  ]\n}\n', links)
    assert str(inner.value) == (
        'cannot resolve templatefile("t.tpl", {}) at main.tf:3 (in t.tpl: cannot resolve nope at main.tf:3 '
        "(unknown name nope))"
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[for r in [aws_x.y] : r.0]", [Ref("aws_x.y[0]")]),
        ("[for r in [aws_x.y] : r.a.b]", [Ref("aws_x.y.a.b")]),  # every step after a reference is kept
        ('"%{ if false }a%{ else }%{ endif }"', ""),
        ('"a %{ if true ~}b%{ endif ~}"', "a b"),  # a strip marker at the very end strips nothing
        ("var.m.a", 1),
        ("local.l.a", 2),
    ],
)
def test_steps_after_a_name_and_directives_at_the_edges(expression: str, expected) -> None:
    source = f"locals {{\n  l = {{ a = 2 }}\n  x = {expression}\n}}\n"
    assert evaluate(source, m={"a": 1})["x"] == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("var.m.nope", "cannot resolve var.m.nope at main.tf:3 (no 'nope' in the value)"),
        ("local.l.nope", "cannot resolve local.l.nope at main.tf:3 (no 'nope' in the value)"),
        ("[for v in [{ a = 1 }] : v.nope]", "cannot resolve v.nope at main.tf:3 (no 'nope' in the value)"),
        (
            'replace("a", aws_x.y.id, "b")',
            'cannot resolve replace("a", aws_x.y.id, "b") at main.tf:3 (depends on a value known only after apply)',
        ),
        (
            '"%{ if true }a%{ else }b"',
            'cannot resolve "%{ if true }a%{ else }b" at main.tf:3 (expected %{ endif } to close the directive)',
        ),
    ],
)
def test_a_missing_step_or_an_unclosed_else_is_named(expression: str, message: str) -> None:
    with pytest.raises(Unresolvable) as caught:
        evaluate(f"locals {{\n  l = {{ a = 2 }}\n  x = {expression}\n}}\n", m={"a": 1})
    assert str(caught.value) == message
