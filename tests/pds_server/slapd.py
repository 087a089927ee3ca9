"""A real OpenLDAP server for the LDAP sign-in tests: Debian's slapd, configured by a
slapd.conf in a temporary directory, loaded with slapadd, listening on a loopback port with
StartTLS (a throwaway certificate authority). Missing slapd fails the tests: `make
system-packages` installs it (TEST_SYSTEM_PACKAGES)."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.stack import free_port, make_certificates, wait_for_port

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SUFFIX = "dc=example,dc=org"
PEOPLE = f"ou=people,{SUFFIX}"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PASSWORD = "reader-secret-1"
# uid -> (password, cn, mail, mobile)
PEOPLE_ENTRIES = {
    "ada": ("ada-ldap-pass-1", "Ada Lovelace", "ada@example.org", "+447700900001"),
    "grace": ("grace-ldap-pass-1", "Grace Hopper", "grace@example.org", "+15550100002"),
    "linus": ("linus-ldap-pass-1", "Linus T", "linus@example.org", ""),
}


def ssha(password: str) -> str:
    """RFC 2307 {SSHA}: SHA-1 of the password and a salt, then the salt, in base64."""
    salt = os.urandom(8)
    return "{SSHA}" + base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()


def ldif() -> str:
    blocks = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\n"
        f"userPassword: {ssha(READER_PASSWORD)}\n",
    ]
    for uid, (password, cn, mail, mobile) in PEOPLE_ENTRIES.items():
        block = (
            f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {cn}\nsn: {cn.split()[-1]}\n"
            f"mail: {mail}\nuserPassword: {ssha(password)}\n"
        )
        blocks.append(block + (f"mobile: {mobile}\n" if mobile else ""))
    return "\n".join(blocks)


def slapd_conf(directory: Path, certificate: Path, key: Path) -> str:
    schemas = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in ("core", "cosine", "inetorgperson"))
    return f"""{schemas}
pidfile {directory}/slapd.pid
argsfile {directory}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile {certificate}
TLSCertificateKeyFile {key}
database mdb
maxsize 10485760
suffix "{SUFFIX}"
directory {directory}/data
access to attrs=userPassword by self read by anonymous auth by * none
access to * by users read by * none
"""


@dataclass
class Slapd:
    uri: str  # ldap://localhost:<port>
    ca_pem: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def slapd_start(directory: Path) -> Slapd:
    assert os.access(SLAPD, os.X_OK), "slapd is missing: run `make system-packages` (Debian's slapd)"
    (directory / "data").mkdir(parents=True)
    ca, certificate, key = make_certificates(directory)
    conf = directory / "slapd.conf"
    conf.write_text(slapd_conf(directory, certificate, key))
    (directory / "people.ldif").write_text(ldif())
    loaded = subprocess.run(
        [SLAPADD, "-f", str(conf), "-l", str(directory / "people.ldif")], capture_output=True, text=True
    )
    assert loaded.returncode == 0, f"slapadd failed: {loaded.stderr[-2000:]}"
    port = free_port()
    # -d 0: stay in the foreground (this process owns it and stops it); -h: loopback only.
    process = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=open(directory / "slapd.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    try:
        wait_for_port(port, timeout=60, process=process)
    except RuntimeError:
        process.kill()
        raise AssertionError(f"slapd did not start: {(directory / 'slapd.log').read_text()[-2000:]}") from None
    return Slapd(uri=f"ldap://localhost:{port}", ca_pem=ca.read_text(), process=process)
