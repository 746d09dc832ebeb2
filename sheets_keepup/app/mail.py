"""Send the weekly digest by SMTP (text and HTML alternatives).

The settings are `digest.email` of the config, validated when the config is read.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sheets_keepup.core.settings import DigestEmailConfig


class MailError(Exception):
    """The digest could not be sent; the message is safe to show (no password)."""


class MailConfigError(MailError):
    """The mail settings are incomplete, e.g. the password variable is not set."""


def build_digest(config: DigestEmailConfig, subject: str, text: str, html: str) -> EmailMessage:
    """Build a multipart/alternative message with a plain-text and an HTML part."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = str(Address(display_name=config.sender_name, addr_spec=config.sender))
    message["To"] = ", ".join(config.to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
    # Text first, HTML last: mail clients show the last alternative they understand.
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def password_from_env(config: DigestEmailConfig, env: Mapping[str, str]) -> str | None:
    """The SMTP password, or None when no login is configured."""
    if not config.username:
        return None
    password = env.get(config.password_env)
    if not password:
        raise MailConfigError(
            f"the SMTP password is read from the environment variable {config.password_env}, "
            "which is not set (or empty)"
        )
    return password


def send_digest(
    config: DigestEmailConfig,
    subject: str,
    text: str,
    html: str,
    *,
    env: Mapping[str, str] = os.environ,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
) -> EmailMessage:
    """Send the digest and return the message sent; raise :class:`MailError` on failure.

    ``ssl_context`` defaults to the system trust store; pass one to trust a
    private CA.
    """
    password = password_from_env(config, env)
    message = build_digest(config, subject, text, html)
    context = ssl_context or ssl.create_default_context()
    where = f"{config.host}:{config.port}"
    try:
        with _connect(config, context, timeout) as smtp:
            if config.username and password is not None:
                smtp.login(config.username, password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"the SMTP server {where} rejected the login for {config.username!r} "
            f"({exc.smtp_code}); check the username and ${config.password_env}"
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"the SMTP server {where} does not support this: {exc}") from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise MailError(f"could not send the digest via {where}: {exc}") from exc
    return message


def _connect(config: DigestEmailConfig, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    """Open an SMTP session with the configured transport security."""
    if config.security == "tls":
        return smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(config.host, config.port, timeout=timeout)
    try:
        if config.security == "starttls":
            smtp.starttls(context=context)
    except BaseException:
        smtp.close()
        raise
    return smtp
