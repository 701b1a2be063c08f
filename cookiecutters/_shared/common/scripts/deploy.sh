#!/usr/bin/env bash
# Deploy this repository to one environment: the steps its deploy workflow runs, in order.
#
#   scripts/deploy.sh ENV               deploy (ENV: one of terraform/environments/*.tfvars)
#   scripts/deploy.sh ENV --plan-only   stop after the plan: exit 0 without changes, 2 with changes
#
{% if repo_kind == "lambda" %}
# Steps: package (scripts/package_lambda.py), terraform init with the env's backend settings, the
# static conformance gate, terraform plan with the env's variables, apply of that very plan, the
# live conformance gate.
{% else %}
# Steps: terraform init with the env's backend settings, the static conformance gate, terraform
# plan with the env's variables, apply of that very plan, the live conformance gate, then
# scripts/validate_infrastructure.py (which needs boto3 only, not the kit).
{% endif %}
#
# Run it from the repository root with credentials for the env's account (in the workflow: the
# OIDC step). The deploy workflow calls it, and so does the kit's sandbox (with an emulator's
# endpoints), so both run these very steps.
#
# Settings, all optional except CONFORMANCE_PLATFORM while the gates are on:
#   PYTHON                the Python that runs the scripts and the gates (default: python)
#   PACKAGE_ARGS          more arguments for scripts/package_lambda.py (e.g. --no-deps)
#   CONFORMANCE_GATE      on (default) or off: off skips both gates, saying so
#   CONFORMANCE_PLATFORM  the platform spec the gates judge by (the kit's infra/platform.yaml)
#   CONFORMANCE_ARGS      more arguments for both gates (e.g. --endpoint-url URL)
#   GITHUB_STEP_SUMMARY   the gates' Markdown reports are appended here (GitHub Actions sets it)
# and Terraform's own: TF_CLI_ARGS_init (more init arguments), TF_CLI_ARGS_plan and
# TF_CLI_ARGS_apply (e.g. -parallelism=N), AWS_ENDPOINT_URL* (endpoints other than AWS's).
#
# Each step starts with a `::group::deploy.sh: STEP` line (a folded group in the Actions log) and
# ends with `deploy.sh: STEP took SECONDS s`.
set -euo pipefail

ENV="${1:-}"
MODE="${2:-}"
PYTHON="${PYTHON:-python}"

known=""
found=""
for file in terraform/environments/*.tfvars; do
  [ -f "$file" ] || continue
  name="${file##*/}"
  name="${name%.tfvars}"
  known="${known:+$known, }$name"
  if [ "$name" = "$ENV" ]; then found="$name"; fi
done
[ -n "$found" ] || { echo "error: scripts/deploy.sh ENV: expected one of ${known:-the envs of terraform/environments/*.tfvars (run it from the repository root)}, found '$ENV'" >&2; exit 2; }
case "$MODE" in
  "" | --plan-only) ;;
  *) echo "error: scripts/deploy.sh $ENV: expected --plan-only or nothing after ENV, found '$MODE'" >&2; exit 2 ;;
esac
case "${CONFORMANCE_GATE:-on}" in
  on | off) ;;
  *) echo "error: CONFORMANCE_GATE: expected on or off, found '$CONFORMANCE_GATE'" >&2; exit 2 ;;
esac

step_name=""
step_started=""

start_step() {
  step_name="$1"
  step_started="${EPOCHREALTIME:-$SECONDS}"
  echo "::group::deploy.sh: $step_name"
}

end_step() {
  local now="${EPOCHREALTIME:-$SECONDS}"
  echo "::endgroup::"
  LC_ALL=C awk -v name="$step_name" -v a="${step_started/,/.}" -v b="${now/,/.}" \
    'BEGIN { printf "deploy.sh: %s took %.2f s\n", name, b - a }'
}

# The conformance suite for this repository and env: `static` (its files) or `live` (its resources).
gate() {
  local marker="$1" status=0 report=""
  if [ "${CONFORMANCE_GATE:-on}" = off ]; then
    echo "deploy.sh: the $marker conformance gate is off (CONFORMANCE_GATE=off): skipped"
    return 0
  fi
  if [ ! -f "${CONFORMANCE_PLATFORM:-}" ]; then
    echo "error: CONFORMANCE_PLATFORM: expected the platform spec file (the kit's infra/platform.yaml), found '${CONFORMANCE_PLATFORM:-}'" >&2
    return 2
  fi
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    report="$(mktemp)"
  fi
  # shellcheck disable=SC2086 # CONFORMANCE_ARGS is split into words on purpose
  "$PYTHON" -m pytest -p no:cacheprovider -o addopts= -q --pyargs conformance --repo "$PWD" --env "$ENV" \
    -m "$marker" --platform "$CONFORMANCE_PLATFORM" ${report:+--conformance-markdown "$report"} \
    ${CONFORMANCE_ARGS:-} || status=$?
  if [ -n "$report" ]; then
    cat "$report" >>"$GITHUB_STEP_SUMMARY" || true
    rm -f "$report"
  fi
  return "$status"
}
{% if repo_kind == "lambda" %}

start_step package
# shellcheck disable=SC2086 # PACKAGE_ARGS is split into words on purpose
"$PYTHON" scripts/package_lambda.py ${PACKAGE_ARGS:-}
end_step
{% endif %}

start_step init
terraform -chdir=terraform init -input=false -backend-config="environments/${ENV}.backend.hcl"
end_step

start_step static-gate
gate static
end_step

start_step plan
if [ "$MODE" = --plan-only ]; then
  planned=0
  terraform -chdir=terraform plan -input=false -var-file="environments/${ENV}.tfvars" -detailed-exitcode || planned=$?
  end_step
  exit "$planned"
fi
terraform -chdir=terraform plan -input=false -var-file="environments/${ENV}.tfvars" -out=tfplan
end_step

start_step apply
terraform -chdir=terraform apply -input=false tfplan
end_step

start_step live-gate
gate live
end_step
{% if repo_kind == "infrastructure" %}

start_step validate
"$PYTHON" scripts/validate_infrastructure.py --env "$ENV"
end_step
{% endif %}
