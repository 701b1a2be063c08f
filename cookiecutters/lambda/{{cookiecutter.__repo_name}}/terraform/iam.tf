# The execution role is not created here: the infrastructure repository owns every Lambda
# execution role ({{ cookiecutter.__role_name }} for this function) together with its
# policies, so access to the table, queue and bucket is granted and reviewed in one place and a
# function repository cannot widen its own permissions. This repository only looks it up.
data "aws_iam_role" "execution" {
  name = "{{ cookiecutter.__role_name }}"
}
