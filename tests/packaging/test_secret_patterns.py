"""Secret-like files in a code archive: each rule warns, and look-alikes stay quiet."""

from __future__ import annotations

import pytest

from axl.packaging.archive import build_archive
from axl.packaging.secret_files import SECRET_RULES, secret_reason

WARNED = {
    ".env": "a credentials file",
    ".env.production": "an environment file",
    "deploy/.env.local": "an environment file",
    ".envrc": "an environment file",
    ".netrc": "a credentials file",
    "_netrc": "a credentials file",
    ".pgpass": "a credentials file",
    ".my.cnf": "a credentials file",
    ".pypirc": "a credentials file",
    ".npmrc": "a credentials file",
    "web/.npmrc": "a credentials file",
    ".git-credentials": "a credentials file",
    ".htpasswd": "a credentials file",
    ".dockercfg": "a credentials file",
    ".docker/config.json": "a credentials file",
    "home/.docker/config.json": "a credentials file",
    ".s3cfg": "a credentials file",
    ".boto": "a credentials file",
    ".vault-token": "a credentials file",
    "aws/credentials": "a credentials file",
    "credentials.json": "a credentials file",
    "Credentials.yaml": "a credentials file",
    "credentials.yml": "a credentials file",
    "jenkins/credentials.xml": "a credentials file",
    ".terraform.d/credentials.tfrc.json": "a credentials file",
    "gcp_service_account_key.json": "a credentials file",
    "service-account.json": "a credentials file",
    "gcp/my-project-service-account.json": "a credentials file",
    "application_default_credentials.json": "a credentials file",
    "client_secret_123.apps.googleusercontent.com.json": "a credentials file",
    "secrets.json": "a credentials file",
    "config/secrets.yaml": "a credentials file",
    "secrets.yml": "a credentials file",
    "secret.json": "a credentials file",
    "k8s/secret.yaml": "a credentials file",
    "secret.yml": "a credentials file",
    ".streamlit/secrets.toml": "a credentials file",
    "kubeconfig": "a Kubernetes config (cluster credentials)",
    "kubeconfig.yaml": "a Kubernetes config (cluster credentials)",
    "prod.kubeconfig": "a Kubernetes config (cluster credentials)",
    ".kube/config": "a Kubernetes config (cluster credentials)",
    "terraform.tfstate": "Terraform state or variables (which hold secrets in clear)",
    "infra/terraform.tfstate.backup": "Terraform state or variables (which hold secrets in clear)",
    "prod.tfvars": "Terraform state or variables (which hold secrets in clear)",
    "auto.tfvars.json": "Terraform state or variables (which hold secrets in clear)",
    "id_rsa": "a key or certificate",
    "keys/id_ed25519": "a key or certificate",
    "id_ecdsa_sk": "a key or certificate",
    "id_dsa": "a key or certificate",
    "id_rsa_github": "a key or certificate",
    "deploy_key": "a key or certificate",
    "github_deploy_key": "a key or certificate",
    "certs/server.pem": "a key or certificate",
    "tls.key": "a key or certificate",
    "AuthKey_ABC123.p8": "a key or certificate",
    "store.p12": "a key or certificate",
    "store.pfx": "a key or certificate",
    "client.pkcs12": "a key or certificate",
    "release.jks": "a key or certificate",
    "android.keystore": "a key or certificate",
    "putty.ppk": "a key or certificate",
    "passwords.kdbx": "a key or certificate",
}

QUIET = [
    "config.json",  # only Docker's config.json (under .docker/) holds credentials
    "conf/config.json",
    "docker/config.json",
    ".kube/cache.json",
    "secrets.py",  # code that reads secrets, not a secret
    "credentials.py",
    "kubeconfig.py",
    "settings/secrets_loader.py",
    "secret_santa.txt",
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "secrets.yaml.example",
    "id_rsa.pub",
    "deploy_key.pub",
    "environment.yml",
    "keys.md",
    "monkey",
    "main.tf",
    "npmrc.md",
]


@pytest.mark.parametrize(("path", "reason"), sorted(WARNED.items()))
def test_secret_like_file_is_named_with_its_reason(path, reason):
    assert secret_reason(path) == reason


@pytest.mark.parametrize("path", QUIET)
def test_look_alike_is_not_warned_about(path):
    assert secret_reason(path) is None


def test_every_rule_is_exercised():
    unused = [rule.glob for rule in SECRET_RULES if not any(rule.matches(p) for p in WARNED)]
    assert unused == []


def test_archive_warns_about_each_secret_like_file_and_keeps_it(make_tree):
    named = [
        ".envrc",
        ".git-credentials",
        ".npmrc",
        "kubeconfig",
        "secrets.json",
        "secrets.yaml",
        "terraform.tfstate",
        "deploy_key",
        ".docker/config.json",
    ]
    files = {"flow.py": "", "config.json": "{}", **dict.fromkeys(named, "secret")}
    result = build_archive(make_tree(files))
    warned = sorted(w.split(" ")[0] for w in result.warnings)
    assert warned == sorted(named)
    assert "terraform.tfstate looks like Terraform state" in " ".join(result.warnings)
    assert all(w.endswith("list it in .axlignore to leave it out") for w in result.warnings)
    assert result.files == len(files)
