"""moto extension for Cognito Identity: pool roles, checked logins, credentials from STS."""
