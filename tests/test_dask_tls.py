"""Dask with TLS: the coordinator reaches a scheduler only over mutual TLS when it is not on
this machine's loopback, and with the course's certificates (c.GradeEngine.tls_*)."""
import subprocess
from types import SimpleNamespace

import pytest

from dnnkit.batch import cluster


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """One self-signed certificate that is also its own authority (for every party here)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=dnnkit-test",
                    "-addext", "basicConstraints=critical,CA:TRUE"], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.mark.parametrize("address", ["tcp://10.1.2.3:8786", "tcp://grading.example.edu:8786",
                                     "ws://0.0.0.0:8786"])
def test_unencrypted_addresses_off_this_machine_are_refused(address):
    with pytest.raises(cluster.ClusterError, match="refusing the unencrypted"):
        cluster.connect(address, timeout=1)


def test_a_tls_address_needs_the_certificates(tmp_path):
    with pytest.raises(cluster.ClusterError, match="tls_ca_file"):
        cluster.connect("tls://127.0.0.1:1", timeout=1)
    settings = SimpleNamespace(tls_ca_file=str(tmp_path / "none.pem"), tls_cert="", tls_key="")
    with pytest.raises(cluster.ClusterError, match="tls_cert, tls_key"):
        cluster.security(settings)


@pytest.mark.slow
def test_a_tls_cluster_is_reached_with_the_certificates_and_not_without(certificate):
    from distributed import LocalCluster
    from distributed.security import Security
    cert, key = certificate
    everyone = Security(tls_ca_file=cert, tls_client_cert=cert, tls_client_key=key,
                        tls_scheduler_cert=cert, tls_scheduler_key=key, tls_worker_cert=cert,
                        tls_worker_key=key, require_encryption=True)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, protocol="tls://",
                      host="127.0.0.1", security=everyone, dashboard_address=None) as dask:
        secure = cluster.security(SimpleNamespace(tls_ca_file=cert, tls_cert=cert, tls_key=key))
        client = cluster.connect(dask.scheduler_address, timeout=30, secure=secure)
        try:
            assert len(client.scheduler_info()["workers"]) == 1
        finally:
            client.close()
        with pytest.raises(cluster.ClusterError):
            cluster.connect(dask.scheduler_address, timeout=5)
