"""A small Entra ID that speaks HTTP, for MSAL to sign in against through `httpx.MockTransport`.

It serves tenant discovery, the device authorization endpoint and the token endpoint (device code and
refresh token grants), and counts what it was asked. Tokens it issues are recognisable strings so that tests
can check they never reach any output.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from dataclasses import dataclass, field

import httpx

from graphsync.auth.scopes import DELEGATED_SCOPES

TENANT = "contoso.onmicrosoft.com"
TENANT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
HOST = "https://login.microsoftonline.com"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class FakeEntra:
    username: str = "ester.henderson@contoso.com"
    object_id: str = "99999999-0000-0000-0000-000000000001"
    pending_polls: int = 1
    device_outcome: str = "approve"  # or an OAuth error code such as "authorization_declined"
    refresh_revoked: bool = False
    reachable: bool = True
    issued: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.reachable:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path == "/common/discovery/instance":
            aliases = ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"]
            return httpx.Response(
                200,
                json={
                    "tenant_discovery_endpoint": f"{HOST}/common/v2.0/.well-known/openid-configuration",
                    "metadata": [
                        {
                            "preferred_network": "login.microsoftonline.com",
                            "preferred_cache": "login.windows.net",
                            "aliases": aliases,
                        }
                    ],
                },
            )
        tenant = path.strip("/").split("/")[0]
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            if tenant not in (TENANT, TENANT_ID):
                return httpx.Response(400, json={"error": "invalid_tenant", "error_description": "AADSTS90002"})
            base = f"{HOST}/{TENANT_ID}"
            return httpx.Response(
                200,
                json={
                    "issuer": f"{HOST}/{TENANT_ID}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                },
            )
        form = {k: v[0] for k, v in urllib.parse.parse_qs(request.content.decode()).items()}
        if path.endswith("/oauth2/v2.0/devicecode"):
            return httpx.Response(
                200,
                json={
                    "device_code": "DEVICE-CODE-SECRET",
                    "user_code": "GSYNC123",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": 0,
                    "message": "To sign in, use a web browser to open https://microsoft.com/devicelogin and enter "
                    "the code GSYNC123 to authenticate.",
                },
            )
        if path.endswith("/oauth2/v2.0/token"):
            grant = form.get("grant_type", "")
            self.grants.append(grant)
            if form.get("client_id") != CLIENT_ID:
                return self._error(400, "unauthorized_client", "AADSTS700016: Application not found in the directory")
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                if self.pending_polls > 0:
                    self.pending_polls -= 1
                    return self._error(400, "authorization_pending", "AADSTS70016: pending")
                if self.device_outcome != "approve":
                    return self._error(400, self.device_outcome, "AADSTS70000: The user declined the sign-in.")
                return self._tokens()
            if grant == "refresh_token":
                if self.refresh_revoked:
                    return self._error(400, "invalid_grant", "AADSTS50173: The provided grant has expired.")
                return self._tokens()
        return httpx.Response(404, json={"error": "not_found"})

    def _error(self, status: int, code: str, description: str) -> httpx.Response:
        return httpx.Response(
            status, json={"error": code, "error_description": f"{description}\r\nTrace ID: 0\r\nTimestamp: now"}
        )

    def _tokens(self) -> httpx.Response:
        access = f"ACCESS-TOKEN-SECRET-{len(self.issued) + 1}"
        self.issued.append(access)
        now = int(time.time())
        id_token = ".".join(
            [
                _b64({"alg": "none", "typ": "JWT"}),
                _b64(
                    {
                        "aud": CLIENT_ID,
                        "iss": f"{HOST}/{TENANT_ID}/v2.0",
                        "iat": now,
                        "exp": now + 3600,
                        "oid": self.object_id,
                        "tid": TENANT_ID,
                        "sub": "subject",
                        "preferred_username": self.username,
                        "name": "Ester Henderson",
                    }
                ),
                "",
            ]
        )
        return httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "scope": " ".join(DELEGATED_SCOPES),
                "expires_in": 3600,
                "ext_expires_in": 3600,
                "access_token": access,
                "refresh_token": "REFRESH-TOKEN-SECRET",
                "id_token": id_token,
                "client_info": _b64({"uid": self.object_id, "utid": TENANT_ID}),
            },
        )
