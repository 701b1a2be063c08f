bucket         = "{{ env.state_bucket }}"
region         = "{{ env.region }}"
dynamodb_table = "{{ env.lock_table }}"
