"""Which files of a code archive look like credentials: :mod:`axl.codefiles.secret_files`."""

from axl.codefiles.secret_files import SECRET_RULES, SecretRule, secret_reason

__all__ = ["SECRET_RULES", "SecretRule", "secret_reason"]
