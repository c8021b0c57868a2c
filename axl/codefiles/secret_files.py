"""Which files of a code archive look like credentials, by their names alone.

Archiving such a file ships its secret to object storage and to every pod
that runs the code, so the archive builder warns about each one (it does not
refuse them: a test fixture or a public certificate may be meant to travel).
The rules follow the file names that secret scanners and the common
``.gitignore`` templates flag: dotenv and direnv files, tool credential files
(git, npm, PyPI, Docker, AWS, gcloud, netrc), Kubernetes configs, Terraform
state and variables, SSH and deploy keys, key stores and certificates.

A rule is a glob (``fnmatch``, compared case-insensitively). A glob without
``/`` is matched against the file's name; one with ``/`` against as many
trailing components of its path, so ``.docker/config.json`` flags Docker's
credentials file but not some other ``config.json``. Public keys (``*.pub``)
and templates (``*.example``, ``*.sample``, ``*.template``, ``*.dist``,
``*.tmpl``) are never flagged. Source files are not either: a ``secrets.py``
is code (often reading secrets from the environment), not a secret itself.
"""

from __future__ import annotations

import fnmatch

from axl.dataclass_fast import dataclass

__all__ = ["SECRET_RULES", "SecretRule", "secret_reason"]


@dataclass(frozen=True)
class SecretRule:
    """File names matching ``glob`` look like ``reason`` (``"a credentials file"``)."""

    glob: str
    reason: str

    def matches(self, path: str) -> bool:
        """Whether the POSIX ``path`` (relative to the archive root) matches the rule."""
        depth = self.glob.count("/") + 1
        tail = "/".join(path.lower().split("/")[-depth:])
        return _glob_matches(tail, self.glob)


def _glob_matches(name: str, glob: str) -> bool:
    """``fnmatch.fnmatchcase(name, glob)``, without compiling a regex for the usual shapes
    (a plain name, ``*SUFFIX``, ``PREFIX*``): every file of a project is tried against
    every rule each time the step cache digests the code."""
    star = glob.find("*")
    if not any(c in glob for c in "?[") and glob.count("*") <= 1:
        if star < 0:
            return name == glob
        if star == 0:
            return name.endswith(glob[1:])
        if star == len(glob) - 1:
            return name.startswith(glob[:-1])
    return fnmatch.fnmatchcase(name, glob)


_CREDENTIALS = "a credentials file"
_ENVIRONMENT = "an environment file"
_KEY = "a key or certificate"
_KUBECONFIG = "a Kubernetes config (cluster credentials)"
_TERRAFORM = "Terraform state or variables (which hold secrets in clear)"


def _rules(reason: str, *globs: str) -> tuple[SecretRule, ...]:
    return tuple(SecretRule(glob, reason) for glob in globs)


SECRET_RULES: tuple[SecretRule, ...] = (
    *_rules(
        _CREDENTIALS,
        ".env",
        ".netrc",
        "_netrc",
        ".pgpass",
        ".my.cnf",
        ".pypirc",
        ".npmrc",
        ".git-credentials",
        ".htpasswd",
        ".dockercfg",
        ".docker/config.json",
        ".s3cfg",
        ".boto",
        ".vault-token",
        "credentials",
        "credentials.json",
        "credentials.yaml",
        "credentials.yml",
        "credentials.xml",
        "credentials.tfrc.json",
        "service-account.json",
        "*service-account*.json",
        "*service_account*.json",
        "application_default_credentials.json",
        "client_secret*.json",
        "secrets.json",
        "secrets.yaml",
        "secrets.yml",
        "secrets.toml",
        "secret.json",
        "secret.yaml",
        "secret.yml",
    ),
    *_rules(_ENVIRONMENT, ".env.*", ".envrc"),
    *_rules(_KUBECONFIG, "kubeconfig", "kubeconfig.*", "*.kubeconfig", ".kube/config"),
    *_rules(_TERRAFORM, "*.tfstate", "*.tfstate.backup", "*.tfvars", "*.tfvars.json"),
    *_rules(
        _KEY,
        "id_rsa*",
        "id_dsa*",
        "id_ecdsa*",
        "id_ed25519*",
        "deploy_key*",
        "*_deploy_key",
        "*.pem",
        "*.key",
        "*.p8",
        "*.p12",
        "*.pfx",
        "*.pkcs12",
        "*.jks",
        "*.keystore",
        "*.ppk",
        "*.kdbx",
    ),
)
"""The rules, in the order they are tried; the first match gives the reason."""

_NEVER = ("*.pub", "*.example", "*.sample", "*.template", "*.dist", "*.tmpl")
_SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


def secret_reason(path: str) -> str | None:
    """What the file at ``path`` looks like (``"a credentials file"``...), or None."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(_SOURCE_SUFFIXES) or any(_glob_matches(name, g) for g in _NEVER):
        return None
    return next((rule.reason for rule in SECRET_RULES if rule.matches(path)), None)
