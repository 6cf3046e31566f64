"""What every node of a cluster shares (issue 19, docs/deploy.md), in-process and on both databases: files
in the shared storage, the published category model, shared versions of per-process caches, the audit-key
check a node makes before it starts. The cluster itself (processes on PostgreSQL): tests/test_cluster.py."""

import pytest
from django.core.exceptions import ImproperlyConfigured

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_storage_url_names_a_bucket_and_its_options():
    from minqing.settings import _storages

    assert _storages(None)["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = _storages("s3://minqing-files/county-a?endpoint_url=http://10.0.0.5:9000&region_name=cn-east")["default"]
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"] | {} == {**s3["OPTIONS"], "bucket_name": "minqing-files", "location": "county-a",
                                  "endpoint_url": "http://10.0.0.5:9000", "region_name": "cn-east",
                                  "file_overwrite": False}
    with pytest.raises(ImproperlyConfigured):
        _storages("ftp://files.example/")


def test_files_are_written_whole_into_the_shared_storage_not_the_home(settings, tmp_path):
    from minqing.ledger import files

    settings.MEDIA_ROOT = tmp_path / "shared"
    assert files.write_whole("reports/C-2026-10.xlsx", b"one") == "reports/C-2026-10.xlsx"
    assert files.write_whole("reports/C-2026-10.xlsx", b"two") == "reports/C-2026-10.xlsx"  # replaced, not renamed
    assert files.exists("reports/C-2026-10.xlsx") and files.read("reports/C-2026-10.xlsx") == b"two"
    assert [p.name for p in (tmp_path / "shared" / "reports").iterdir()] == ["C-2026-10.xlsx"]  # no .part left


def test_an_attachment_whose_file_is_not_in_the_storage_is_a_404_not_a_500(make_case, county, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minqing.org.models import ApiToken

    settings.MEDIA_ROOT = tmp_path / "node-a"
    case = make_case("VA")
    auth = {"HTTP_AUTHORIZATION": "Bearer " + ApiToken.issue(county["disp"])}
    url = f"/api/cases/{case.number}/attachments"
    att = client.post(url, {"file": SimpleUploadedFile("现场.png", PNG, "image/png")}, **auth).json()["id"]
    settings.MEDIA_ROOT = tmp_path / "node-b"  # a node without the shared folder
    r = client.get(f"{url}/{att}", **auth)
    assert r.status_code == 404 and "MINQING_MEDIA_ROOT" in r.json()["error"]["message"]


def test_a_shared_version_is_seen_once_per_change_and_looked_at_at_most_every_few_seconds(db, django_capture_on_commit_callbacks):
    from minqing.org import versions

    versions.forget()
    assert versions.changed("thing", every=0) is None  # no row: nothing to follow
    with django_capture_on_commit_callbacks(execute=True):
        versions.bump("thing", "v1")
    row = versions.changed("thing", every=0)
    assert (row.number, row.value) == (1, "v1")
    assert versions.changed("thing", every=0) is None  # seen
    with django_capture_on_commit_callbacks(execute=True):
        versions.bump("thing", "v2")
    assert versions.changed("thing", every=3600) is None  # looked at a moment ago: no query, no news yet
    assert versions.changed("thing", every=0).value == "v2"


def test_a_unit_added_through_one_node_bumps_the_names_every_node_reloads(county, django_capture_on_commit_callbacks):
    from minqing.org import versions
    from minqing.org.services import add_unit

    before = versions.current("units").number if versions.current("units") else 0
    with django_capture_on_commit_callbacks(execute=True):
        add_unit("VC", "丙村", "village", "T1")
    assert versions.current("units").number > before  # every process reloads the names within 30 s


def test_a_published_model_reaches_a_node_that_has_another(db, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    from minqing.ledger import model_sync
    from minqing.org import versions
    from minqing.text import classify

    settings.MEDIA_ROOT = tmp_path / "shared"
    monkeypatch.setenv("MINQING_HOME", str(tmp_path / "node-a"))
    trained = tmp_path / "node-a" / "models" / "category-1-20261201.joblib"
    trained.parent.mkdir(parents=True)
    trained.write_bytes(b"a model trained on node a")
    with django_capture_on_commit_callbacks(execute=True):
        name = model_sync.publish(trained)
    assert name == "models/category-1-20261201.joblib" and model_sync.published() == name
    assert (tmp_path / "shared" / name).read_bytes() == b"a model trained on node a"

    monkeypatch.setenv("MINQING_HOME", str(tmp_path / "node-b"))  # another node, with a model of its own
    classify.default_path().parent.mkdir(parents=True)
    classify.default_path().write_bytes(b"node b's own model")
    versions.forget()
    assert model_sync.sync(every=0) is True
    assert classify.default_path().read_bytes() == b"a model trained on node a"
    versions.forget()
    assert model_sync.sync(every=0) is False  # here already: not fetched again
    classify.reset_default_model()


def test_a_node_whose_audit_key_is_not_the_ledgers_refuses_to_start(make_case, monkeypatch):
    from minqing.errors import DomainError
    from minqing.ledger import seal
    from minqing.ops.cluster import check_audit_key

    make_case("VA")
    check_audit_key()  # the key that sealed it
    monkeypatch.setenv(seal.KEY_ENV, "f" * 64)
    with pytest.raises(DomainError, match="审计密钥.*不同"):
        check_audit_key()
