# A stand-in Glue job script for the provisioning tests: up uploads it, nothing runs it.
print("flatten")
