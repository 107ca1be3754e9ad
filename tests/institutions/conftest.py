import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are created in almost every test here; a slow hasher only costs time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
