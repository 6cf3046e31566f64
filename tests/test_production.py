"""Production mode (MINQING_PRODUCTION=1, docs/security.md) passes Django's own deployment audit, refuses
to start with a weak secret key, open host names or DEBUG, and sends the security headers; the demo
stays plain HTTP on loopback. The Content-Security-Policy is on every page, demo or not, and no page
template carries an inline script or style (tests/test_browser_csp.py checks what the browser says)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src" / "minqing" / "web" / "templates"
PDF_ONLY = {"insight/monthly_report.html", "consult/report.html"}  # WeasyPrint reads these, no browser
STRONG = secrets.token_urlsafe(50)


def run(code_or_args, tmp_path, **env):
    """A fresh interpreter with the real settings (minqing.settings) and the given environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
    base.update(DJANGO_SETTINGS_MODULE="minqing.settings", MINQING_HOME=str(tmp_path), PYTHONPATH=str(ROOT / "src"),
                **env)
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run([sys.executable, *args], env=base, capture_output=True, text=True, timeout=120, cwd=ROOT)


def production(**more):
    return {"MINQING_PRODUCTION": "1", "MINQING_SECRET_KEY": STRONG,
            "MINQING_ALLOWED_HOSTS": "minqing.example.gov.cn", **more}


@pytest.mark.parametrize("setup", [{}, {"MINQING_TRUSTED_PROXIES": "1"}, {"MINQING_CACHE_URL": "redis://127.0.0.1:6379/0"}],
                         ids=["direct", "behind a proxy", "with redis"])
def test_deploy_check_is_clean_in_production(tmp_path, setup):
    r = run(["-m", "minqing.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
            **production(**setup))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout and "WARNINGS" not in r.stdout + r.stderr


def test_demo_mode_deploy_check_names_what_the_demo_relaxes(tmp_path):
    """The demo is plain HTTP: the audit says so, and nothing else."""
    r = run(["-m", "minqing.cli", "manage", "check", "--deploy"], tmp_path)
    found = set(re.findall(r"\((security\.W\d+|[a-z_]+\.[EW]\d+)\)", r.stdout + r.stderr))
    assert found == {"security.W004", "security.W008", "security.W012", "security.W016"}, r.stdout + r.stderr


@pytest.mark.parametrize("env, says", [
    ({"MINQING_SECRET_KEY": ""}, "needs MINQING_SECRET_KEY"),
    ({"MINQING_SECRET_KEY": "change-me"}, "too weak"),
    ({"MINQING_SECRET_KEY": "a" * 60}, "too weak"),
    ({"MINQING_SECRET_KEY": "django-insecure-" + STRONG}, "too weak"),
    ({"MINQING_ALLOWED_HOSTS": ""}, "needs MINQING_ALLOWED_HOSTS"),
    ({"MINQING_ALLOWED_HOSTS": "*"}, "needs MINQING_ALLOWED_HOSTS"),
    ({"MINQING_DEBUG": "1"}, "MINQING_DEBUG=1"),
], ids=["no key", "short key", "one-letter key", "django-insecure key", "no hosts", "any host", "debug"])
def test_production_refuses_to_start_with_weak_settings(tmp_path, env, says):
    r = run("import minqing.settings", tmp_path, **production(**env))
    assert r.returncode != 0 and "ImproperlyConfigured" in r.stderr and says in r.stderr


SECURITY = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER",
            "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS", "DEBUG", "ALLOWED_HOSTS"]


def settings_of(tmp_path, **env) -> dict:
    r = run("import json, minqing.settings as s; "
            f"print(json.dumps({{k: getattr(s, k, None) for k in {SECURITY!r}}}))", tmp_path, **env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_production_settings(tmp_path):
    s = settings_of(tmp_path, **production())
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["LANGUAGE_COOKIE_SECURE"]
    assert s["SECURE_SSL_REDIRECT"] and s["SECURE_HSTS_SECONDS"] >= 180 * 86400 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert s["DEBUG"] is False and s["ALLOWED_HOSTS"] == ["minqing.example.gov.cn"]
    assert s["SECURE_PROXY_SSL_HEADER"] is None  # no proxy named: X-Forwarded-Proto means nothing
    behind = settings_of(tmp_path, **production(MINQING_TRUSTED_PROXIES="1", MINQING_SSL_REDIRECT="0"))
    assert behind["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"] and not behind["SECURE_SSL_REDIRECT"]


def test_demo_stays_plain_http(tmp_path):
    s = settings_of(tmp_path)
    assert not (s["SESSION_COOKIE_SECURE"] or s["CSRF_COOKIE_SECURE"] or s["SECURE_SSL_REDIRECT"] or s["SECURE_HSTS_SECONDS"])


def _production_overrides(tmp_path) -> dict:
    s = settings_of(tmp_path, **production())
    return {k: v for k, v in s.items() if k not in ("DEBUG", "ALLOWED_HOSTS", "SECURE_PROXY_SSL_HEADER")}


@pytest.mark.django_db
def test_production_headers(client, county, tmp_path):
    with override_settings(**_production_overrides(tmp_path)):
        r = client.get("/submit/")
        assert r.status_code == 301 and r["Location"] == "https://testserver/submit/"  # plain HTTP goes to HTTPS
        r = client.get("/submit/", secure=True)
        assert r.status_code == 200
        assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert r["X-Frame-Options"] == "DENY" and r["Referrer-Policy"] == "same-origin"
        assert r["Cross-Origin-Opener-Policy"] == "same-origin" and r["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
        assert r.cookies["csrftoken"]["secure"]
        r = client.post("/submit/", {"text": "村口路灯坏了，晚上看不清路。", "unit": "VA", "mode": "anonymous"}, secure=True)
        assert r.status_code == 302
        assert r.cookies["sessionid"]["secure"]


@pytest.mark.django_db
def test_consultation_device_cookie_is_https_only_in_production(client, county, api, tmp_path):
    status, body = api("disp")("POST", "/api/consultations", {"title": "村道硬化方案", "text": "请提意见。", "unit": "T1",
                                                               "statements": ["应该先修主干道"]})
    with override_settings(**_production_overrides(tmp_path)):
        r = client.get(f"/consult/{body['id']}/", secure=True)
    assert r.status_code == 200 and r.cookies["mq_device"]["secure"]


def directives(header: str) -> dict:
    return {d.split()[0]: d.split()[1:] for d in (x.strip() for x in header.split(";")) if d}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/submit/", "/track/", "/login/", "/api/docs", "/api/units", "/consult/"])
def test_every_page_carries_the_content_security_policy(client, county, path):
    """Demo mode too: the policy is the same over plain HTTP."""
    r = client.get(path)
    assert r.status_code == 200
    csp = directives(r["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"] and csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert "unsafe" not in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY" and r["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in r  # the demo: plain HTTP


INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "an inline <script>"),
]


def test_no_page_template_carries_inline_script_or_style():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES / "minqing"))
        if name in PDF_ONLY:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []
