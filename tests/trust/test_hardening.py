"""Hardened settings and a Content Security Policy that the templates can live with."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
HTMX_EVAL = re.compile(r"\shx-on[:-]|\bjs:|\bjavascript:", re.IGNORECASE)


@pytest.mark.django_db
def test_responses_carry_a_strict_policy(client):
    response = client.get(reverse("accounts:login"))
    policy = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_exist():
    assert len(TEMPLATES) > 5


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_script_style_or_handlers(template):
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script> is blocked by the CSP"
    assert not INLINE_STYLE.search(text), "inline style is blocked by the CSP"
    assert not INLINE_HANDLER.search(text), "inline event handlers are blocked by the CSP"
    assert not HTMX_EVAL.search(text), "htmx inline handlers need eval, which the CSP forbids"


def test_production_cookies_are_secure():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "dongchang.settings",
            "DJANGO_SECRET_KEY": "k9$Qv2!mZp7#Lx4@Tn8^Rb1&Hs6*Wd3(Yf5)Jg0-Ec2+Ua7=Oi9",
            "ACCESS_LOG_KEY": "y" * 32,
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "DJANGO_VAR_DIR": str(ROOT / "var"),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "DENY"]


def test_uploaded_files_are_outside_public_paths(settings):
    uploads = Path(settings.MEDIA_ROOT).resolve()
    assert not str(uploads).startswith(str(Path(settings.STATIC_ROOT).resolve()))
    assert not str(uploads).startswith(str((ROOT / "static").resolve()))


@pytest.mark.django_db
def test_uploads_have_no_public_url(client, staff):
    client.force_login(staff)
    for path in ("/no-public-uploads/imports/ab/ab.xlsx", "/media/imports/ab.xlsx", "/uploads/x"):
        assert client.get(path).status_code == 404
