"""moto extension for STS: AssumeRoleWithWebIdentity verifies Cognito Identity's tokens and the role's trust."""
