"""Test settings: a throwaway MINQING_HOME and a fast password hasher."""

import os
import tempfile

os.environ.setdefault("MINQING_HOME", tempfile.mkdtemp(prefix="minqing-test-"))

from minqing.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = HOME / "media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if os.environ.get("MINQING_TEST_DB_NAME"):  # two PostgreSQL test runs side by side need two databases
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ["MINQING_TEST_DB_NAME"]  # noqa: F405
