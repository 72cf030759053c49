"""moto extension for Cognito user pools: sign-in names, app clients' auth flows, real SRP, deletion protection."""
