"""App-only tokens (runs with ``--user UPN``) from azure-identity: a client secret or a certificate.

The secret or certificate path is never needed in the config file: a reference there
(``graph.client_secret = "env:..."``), else ``$GRAPHSYNC_CLIENT_SECRET`` / ``$GRAPHSYNC_CERTIFICATE_PATH``,
else the keyring entry ``graphsync`` / ``client-secret:<client id>``.
"""

from __future__ import annotations

import os

from azure.core.credentials import TokenCredential
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.identity import CertificateCredential, ClientSecretCredential

from graphsync.auth import keyring_access
from graphsync.auth.cache_location import KEYRING_SERVICE
from graphsync.auth.scopes import APP_ONLY_SCOPE
from graphsync.auth.token_memo import IssuedToken, TokenMemo
from graphsync.config.model import GraphConfig
from graphsync.errors import ConfigError, GraphAuthError, KeyringUnavailableError

SECRET_ENV = "GRAPHSYNC_CLIENT_SECRET"
CERTIFICATE_ENV = "GRAPHSYNC_CERTIFICATE_PATH"
CERTIFICATE_PASSWORD_ENV = "GRAPHSYNC_CERTIFICATE_PASSWORD"


def keyring_secret_name(client_id: str) -> str:
    return f"client-secret:{client_id.lower()}"


class AppOnlyTokenSource:
    """`AccessTokenSource` over an azure-identity credential. Its ``get_token`` blocks (HTTP to Entra ID),
    so it runs in a worker thread, and only when the kept token is about to expire."""

    def __init__(self, credential: TokenCredential, *, scope: str = APP_ONLY_SCOPE) -> None:
        self.credential = credential
        self._scope = scope
        self._memo = TokenMemo(self._fetch)

    def _fetch(self) -> IssuedToken:
        try:
            access = self.credential.get_token(self._scope)
        except ClientAuthenticationError as exc:
            raise GraphAuthError(_first_line(exc.message), code="app_credentials_rejected") from None
        except ServiceRequestError as exc:
            raise GraphAuthError(
                f"no response from Microsoft Entra ID: {_first_line(exc.message)}", code="noResponse"
            ) from None
        return IssuedToken(access.token, float(access.expires_on))

    async def token(self) -> str:
        return await self._memo.token()

    @property
    def app_only(self) -> bool:
        return True


def _first_line(text: object) -> str:
    lines = str(text or "").strip().splitlines()
    return lines[0] if lines else "authentication failed"


def app_credential(graph: GraphConfig, *, file: str | None = None) -> TokenCredential:
    """The credential the config (or the environment, or the keyring) provides for app-only runs."""
    if not graph.tenant_id or not graph.client_id:
        raise ConfigError(
            file=file,
            key="graph.tenant_id" if not graph.tenant_id else "graph.client_id",
            expected="the tenant and app registration for app-only runs (graph.kind = 'microsoft')",
            got="",
        )
    if graph.client_secret is not None:
        return _secret_credential(graph, graph.client_secret.resolve())
    if graph.certificate_path is not None:
        return _certificate_credential(graph, graph.certificate_path.resolve(), file=file)
    secret = os.environ.get(SECRET_ENV)
    if secret:
        return _secret_credential(graph, secret)
    certificate = os.environ.get(CERTIFICATE_ENV)
    if certificate:
        return _certificate_credential(graph, certificate, file=file)
    try:
        stored = keyring_access.call(lambda k: k.get_password(KEYRING_SERVICE, keyring_secret_name(graph.client_id)))
    except KeyringUnavailableError:
        stored = None  # the keyring is one of several places to look; the error below names them all
    if stored:
        return _secret_credential(graph, stored)
    raise ConfigError(
        file=file,
        key="graph.client_secret",
        expected=(
            "app-only credentials for --user: a reference in graph.client_secret or graph.certificate_path "
            f"('env:VARIABLE' or 'keyring:SERVICE/USERNAME'), or ${SECRET_ENV}, or ${CERTIFICATE_ENV}, or the "
            f"keyring entry {KEYRING_SERVICE}/{keyring_secret_name(graph.client_id)}"
        ),
    )


def _secret_credential(graph: GraphConfig, secret: str) -> TokenCredential:
    return ClientSecretCredential(graph.tenant_id, graph.client_id, secret)


def _certificate_credential(graph: GraphConfig, path: str, *, file: str | None) -> TokenCredential:
    try:
        return CertificateCredential(
            graph.tenant_id, graph.client_id, path, password=os.environ.get(CERTIFICATE_PASSWORD_ENV) or None
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(
            file=file,
            key="graph.certificate_path",
            expected=f"a readable PEM or PKCS12 certificate with its private key ({type(exc).__name__})",
            got=path,
        ) from None
