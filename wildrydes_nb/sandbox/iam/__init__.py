"""moto extension for IAM: roles take time to become usable, and their trust for Cognito Identity is evaluated."""
