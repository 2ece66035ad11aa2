"""Signing in to Microsoft Graph (or the sandbox) and keeping the sign-in between runs."""
