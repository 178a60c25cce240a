"""HORN_STORAGE picks where uploads live; S3 is checked as far as configuration goes (no bucket here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "horn.settings"
import django
django.setup()
from django.core.files.storage import storages
s = storages["uploads"]
keys = ("bucket_name", "endpoint_url", "access_key", "secret_key", "region_name", "location", "default_acl")
print(json.dumps({"class": type(s).__name__, **{k: str(getattr(s, k, "")) for k in keys}}))
"""


def probe(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HORN_")}
    clean["HORN_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_uploads_live_under_the_data_dir_by_default(tmp_path):
    run = probe(tmp_path)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["class"] == "FileSystemStorage" and found["location"] == str(tmp_path / "files")


def test_an_s3_compatible_store_is_configured_from_the_environment(tmp_path):
    run = probe(
        tmp_path,
        HORN_STORAGE="s3",
        HORN_S3_BUCKET="horn-uploads",
        HORN_S3_ENDPOINT_URL="https://minio.internal:9000",
        HORN_S3_ACCESS_KEY="AKIA-TEST",
        HORN_S3_SECRET_KEY="s3cret",
        HORN_S3_REGION="eu-north-1",
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found == {
        "class": "S3Storage",
        "bucket_name": "horn-uploads",
        "endpoint_url": "https://minio.internal:9000",
        "access_key": "AKIA-TEST",
        "secret_key": "s3cret",
        "region_name": "eu-north-1",
        "location": "horn-files",
        "default_acl": "private",
    }


def test_a_wrong_storage_setting_stops_the_start(tmp_path):
    for env, words in (({"HORN_STORAGE": "s3"}, "HORN_S3_BUCKET"), ({"HORN_STORAGE": "ftp"}, "HORN_STORAGE")):
        run = probe(tmp_path, **env)
        assert run.returncode != 0 and "ImproperlyConfigured" in run.stderr and words in run.stderr
