environment        = "{{ env.name }}"
aws_region         = "{{ env.region }}"
aws_account_id     = "{{ env.account_id }}"
log_retention_days = {{ env.log_retention_days }}
