"""Test settings: a throwaway MINQING_HOME and a fast password hasher."""

import os
import tempfile

os.environ.setdefault("MINQING_HOME", tempfile.mkdtemp(prefix="minqing-test-"))

from minqing.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Abuse limits and lockouts off: tests that need volume must not trip them, and the test client's
# login() authenticates without a request, which django-axes refuses. tests/test_abuse_limits.py turns
# them on.
RATELIMIT_ENABLE = False
AXES_ENABLED = False
# The reply-quality threshold off: tests reply "已处理" and the like; tests/test_reply_quality.py turns it on.
MINQING_REPLY_MIN_SCORE = 0
MEDIA_ROOT = HOME / "media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if os.environ.get("MINQING_TEST_DB_NAME"):  # two PostgreSQL test runs side by side need two databases
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ["MINQING_TEST_DB_NAME"]  # noqa: F405
