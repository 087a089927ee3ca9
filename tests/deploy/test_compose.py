"""The container deployment: deploy/docker-compose.yml has every service, its Django
processes share one image and one environment, and deploy/compose.env.example sets only
names that something in the deployment reads.

The compose file is parsed with PyYAML when this virtualenv has it, else by the docker
client (`docker compose config`, which needs no daemon), else the tests are skipped.
"""

from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / "compose.env.example"

SERVICES = {"postgres", "redis", "seaweedfs", "web", "pds", "worker", "analysis", "beat", "nginx", "migrate"}
DJANGO_SERVICES = ("migrate", "web", "pds", "worker", "analysis", "beat")
NGINX_TEMPLATE = "/etc/nginx/templates/drive.conf.template"


def docker_compose() -> list[str] | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    version = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    return [docker, "compose"] if version.returncode == 0 else None


@pytest.fixture(scope="module")
def compose() -> dict:
    try:
        import yaml
    except ModuleNotFoundError:
        pass
    else:
        return yaml.safe_load(COMPOSE.read_text())
    command = docker_compose()
    if command is None:
        pytest.skip(
            "cannot parse deploy/docker-compose.yml: PyYAML is not installed in this virtualenv"
            " and `docker compose` is not available"
        )
    # As written: no interpolation, no env files read, paths as they are in the file.
    flags = ["--no-interpolate", "--no-normalize", "--no-path-resolution", "--no-env-resolution", "--format", "json"]
    result = subprocess.run([*command, "-f", str(COMPOSE), "config", *flags], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def env_files(service: dict) -> list[str]:
    value = service.get("env_file", [])
    items = [value] if isinstance(value, (str, dict)) else value
    return [item["path"] if isinstance(item, dict) else item for item in items]


def environment(service: dict) -> dict[str, str]:
    value = service.get("environment") or {}
    if isinstance(value, list):
        value = dict(item.partition("=")[::2] for item in value)
    return {key: str(item) for key, item in value.items()}


def mounts(service: dict) -> dict[str, str]:
    """Target path inside the container -> volume name (or host path)."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found[volume["target"]] = volume["source"]
        else:  # SOURCE:TARGET[:MODE]; SOURCE may hold a ${NAME:?message} with colons in it
            source, _, target = volume.rpartition(":")
            if not target.startswith("/"):
                source, _, target = source.rpartition(":")
            found[target] = source
    return found


def env_example_names() -> list[str]:
    return [match.group(1) for match in re.finditer(r"^([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE)]


def names_read_by_settings() -> set[str]:
    source = "\n".join(path.read_text() for path in (ROOT / "drive_site" / "settings").glob("*.py"))
    return set(re.findall(r"""\b(?:env(?:\.\w+)?|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]*)["']""", source))


def names_interpolated_by_compose() -> dict[str, bool]:
    """Each ${NAME} in the compose file -> whether it has a default (${NAME:-...})."""
    found: dict[str, bool] = {}
    for name, default in re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)(:?-)?", COMPOSE.read_text()):
        found[name] = found.get(name, False) or bool(default)
    return found


def test_every_service_exists(compose):
    assert SERVICES <= set(compose["services"]), f"missing: {sorted(SERVICES - set(compose['services']))}"


def test_django_processes_share_one_image_and_one_env_file(compose):
    services = compose["services"]
    web = services["web"]
    assert web["image"] and env_files(web) == [".env"]
    for name in DJANGO_SERVICES:
        assert services[name]["image"] == web["image"], name
        assert services[name]["build"] == web["build"], name
        assert env_files(services[name]) == env_files(web), name
    assert web["build"]["dockerfile"] == "deploy/Dockerfile"


def test_each_process_runs_what_it_should(compose):
    services = compose["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "drive_site.wsgi"]
    assert services["pds"]["command"][:2] == ["gunicorn", "pds_server.wsgi"]
    for name in ("web", "pds"):
        assert "deploy/gunicorn.conf.py" in services[name]["command"], name
    # The settings pick the URL conf from DRIVE_ROLE.
    assert environment(services["web"])["DRIVE_ROLE"] == "drive"
    assert environment(services["pds"])["DRIVE_ROLE"] == "pds"
    assert services["worker"]["command"][:4] == ["celery", "-A", "drive_site", "worker"]
    # Image analysis has its own workers on its own queue; the web's worker never takes it.
    assert services["analysis"]["command"][:6] == ["celery", "-A", "drive_site", "worker", "--queues", "analysis"]
    assert "analysis" not in services["worker"]["command"][services["worker"]["command"].index("--queues") + 1]
    assert services["beat"]["command"][:4] == ["celery", "-A", "drive_site", "beat"]
    script = "\n".join(services["migrate"]["command"])
    for step in ("migrate --noinput", "migrate --database pds --noinput", "collectstatic --noinput", "pds_bootstrap"):
        assert f"manage.py {step}" in script, step


def test_start_order_waits_for_health_and_for_migrations(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "seaweedfs"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in ("web", "pds", "worker", "analysis", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["seaweedfs"]["condition"] == "service_healthy"
    assert services["migrate"].get("restart") == "no"


def test_nginx_serves_the_static_files_that_collectstatic_writes(compose):
    services, volumes = compose["services"], set(compose["volumes"])
    nginx = services["nginx"]
    nginx_env = environment(nginx)
    assert mounts(nginx)[NGINX_TEMPLATE] == "./nginx.conf"
    # STATIC_ROOT is $DRIVE_DATA_DIR/<this> in the settings.
    static_under_data = Path(settings.STATIC_ROOT).relative_to(settings.DATA_DIR)
    data_dir = environment(services["migrate"])["DRIVE_DATA_DIR"]
    static_volume = mounts(services["migrate"])[f"{data_dir}/{static_under_data}"]
    assert static_volume in volumes
    assert mounts(nginx)[nginx_env["DRIVE_STATIC_ROOT"]] == static_volume
    assert mounts(services["web"])[f"{data_dir}/{static_under_data}"] == static_volume
    assert mounts(nginx)[nginx_env["PDS_BLOB_ROOT"]] in volumes
    assert mounts(services["postgres"])["/var/lib/postgresql/data"] in volumes
    assert mounts(services["seaweedfs"])["/data"] in volumes


def test_nginx_gets_every_variable_its_template_uses(compose):
    # The image's envsubst replaces only variables that are set; any other stays as text.
    # nginx's own variables are lower case ($host, ${scheme}); the template's are upper case.
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", (DEPLOY / "nginx.conf").read_text()))
    nginx = compose["services"]["nginx"]
    nginx_env = environment(nginx)
    assert used and used <= set(nginx_env), (
        f"deploy/nginx.conf uses, docker-compose.yml does not set: {sorted(used - set(nginx_env))}"
    )
    tls_dir = str(Path(nginx_env["DRIVE_TLS_CERTIFICATE"]).parent)
    assert tls_dir in mounts(nginx) and str(Path(nginx_env["DRIVE_TLS_CERTIFICATE_KEY"]).parent) == tls_dir


def test_the_gunicorns_leave_the_access_log_to_nginx(compose, monkeypatch):
    """nginx's access log records every request; gunicorn's second line per request is off
    in the deployment, and on by default (`make run`, nothing in front)."""
    services = compose["services"]
    for name in ("web", "pds"):
        assert environment(services[name])["GUNICORN_ACCESS_LOG"] == "", name
    assert environment(services["nginx"])["DRIVE_ACCESS_LOG"]
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["accesslog"] is None
    monkeypatch.delenv("GUNICORN_ACCESS_LOG")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["accesslog"] == "-"
    unit = (DEPLOY / "systemd" / "drive-web.service").read_text()
    assert "\nEnvironment=GUNICORN_ACCESS_LOG=\n" in unit  # /etc/drive/env (EnvironmentFile) may set a path


def test_env_example_sets_only_names_something_reads():
    read = names_read_by_settings() | set(names_interpolated_by_compose())
    read |= set(
        re.findall(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]*)["']""", (DEPLOY / "gunicorn.conf.py").read_text())
    )
    names = env_example_names()
    assert len(names) == len(set(names)), "a name is set twice"
    unread = [name for name in names if name not in read]
    assert not unread, (
        "set in compose.env.example but read by neither drive_site/settings, docker-compose.yml"
        f" nor gunicorn.conf.py: {unread}"
    )


def test_env_example_gives_every_value_compose_and_s3_storage_need():
    names = set(env_example_names())
    required = {name for name, has_default in names_interpolated_by_compose().items() if not has_default}
    assert required <= names, f"docker-compose.yml needs: {sorted(required - names)}"
    s3_settings = {name for name in names_read_by_settings() if name.startswith("PDS_S3_")}
    assert s3_settings and s3_settings <= names, f"PDS_STORAGE=s3 needs: {sorted(s3_settings - names)}"
    example = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert example["PDS_STORAGE"] == "s3"
    assert example["DATABASE_URL"].startswith("postgres://") and example["PDS_DATABASE_URL"].startswith("postgres://")
    assert example["CELERY_BROKER_URL"].startswith("redis://redis:")
    assert example["DRIVE_DOWNLOAD_MODE"] == "xaccel"


def test_docker_compose_accepts_the_file_with_the_example_env(tmp_path):
    command = docker_compose()
    if command is None:
        pytest.skip("`docker compose` is not available")
    # The file reads deploy/.env; give a scratch copy the example as its .env.
    (tmp_path / "deploy").mkdir()
    shutil.copy(COMPOSE, tmp_path / "deploy" / "docker-compose.yml")
    shutil.copy(ENV_EXAMPLE, tmp_path / "deploy" / ".env")
    result = subprocess.run(
        [*command, "-f", str(tmp_path / "deploy" / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
