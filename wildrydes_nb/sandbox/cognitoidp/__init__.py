"""moto extension for Cognito user pools: app clients' allowed auth flows are enforced."""
